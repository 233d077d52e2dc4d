// The model-loading flags shared by every subcommand that loads a ranker
// (rank, score, serve, eval, bench): they fill one rerank::LoadOptions.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "rerank/ranker.hpp"

namespace rerank::cli {

struct ModelFlags {
  std::string type;
  std::string device = "cpu";
  std::string precision = "fp32";
  int threads = 0;
  int lanes = 1;
  std::string cuda_attention = "auto";
  std::size_t max_length = 0;
  std::string truncation;
  std::size_t batch_tokens = 0;
  std::string endpoint;
  std::string api_key;
  std::vector<std::string> fallbacks;
  std::vector<std::string> params;  // key=value

  // Adds --type, --device, --precision, --threads, --lanes, --max-length, --truncation,
  // --batch-tokens, --endpoint, --api-key, --fallback and --param to `cmd`.
  void add_to(CLI::App& cmd);

  // Throws CliError(kExitUsage) for a --param without '='.
  LoadOptions to_load_options() const;
};

// CliError(kExitUsage) unless `activation` is "none" or "sigmoid".
void require_activation_name(const std::string& activation);

// "none" | "sigmoid"; front ends apply it to ScoreKind::Logit scores only.
double apply_activation(const std::string& activation, ScoreKind kind, double raw_score);

}  // namespace rerank::cli
