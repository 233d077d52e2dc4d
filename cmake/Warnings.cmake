# Warnings for our own targets only (applied through rerank_layer / the CLI target).
set(RERANK_WARNINGS -Wall -Wextra -Wno-unused-parameter)
