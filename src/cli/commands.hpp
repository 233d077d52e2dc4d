// Each subcommand of the rerank tool lives in its own cmd_*.cpp and registers itself here.
#pragma once

#include <CLI/CLI.hpp>

namespace rerank::cli {

void add_rank_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_version_command(CLI::App& app);

}  // namespace rerank::cli
