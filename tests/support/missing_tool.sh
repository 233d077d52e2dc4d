#!/bin/sh
# Stands in for a test whose tool was not found when CMake configured (serve_clients_e2e
# without node/npm), so the test is never silently absent: it skips (exit 77, CTest's
# SKIP_RETURN_CODE) for a plain `make test` and fails under RERANK_REQUIRE_SHARED=1 (CI).
# Usage: missing_tool.sh "what is missing and how to get it"
if [ "${RERANK_REQUIRE_SHARED:-}" = "1" ]; then
  echo "RERANK_REQUIRE_SHARED=1 and $1 is missing (failing, not skipping)" >&2
  exit 1
fi
echo "$1 not found: test skipped (RERANK_REQUIRE_SHARED=1 makes this a failure)"
exit 77
