// Each subcommand of the rerank tool lives in its own cmd_*.cpp and registers itself here.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace rerank::cli {

void add_rank_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_download_command(CLI::App& app);
void add_score_command(CLI::App& app);
void add_prepare_command(CLI::App& app);
void add_logits_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_version_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_trec_eval_command(CLI::App& app);
// Runs `rerank trec-eval` on its raw arguments (everything after "trec-eval"); returns the exit code.
int trec_eval_main(const std::vector<std::string>& args);
void add_index_command(CLI::App& app);
void add_search_command(CLI::App& app);
void add_eval_command(CLI::App& app);

}  // namespace rerank::cli
