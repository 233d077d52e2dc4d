#include "cli/model_options.hpp"

#include <cmath>

#include "cli/cli_error.hpp"
#include "rerank/error.hpp"

namespace rerank::cli {

void ModelFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--type", type, "Ranker type, overriding detection (see `rerank models`)");
  cmd.add_option("--device", device,
                 "cpu, cuda or cuda:N; for serve also a list (cuda:0,cuda:1 or cuda:all): one engine per "
                 "device behind each model's queue")->capture_default_str();
  cmd.add_option("--precision", precision, "fp32, bf16 or int8")->capture_default_str();
  cmd.add_option("--threads", threads, "Compute threads (0 = one per core)")->capture_default_str();
  cmd.add_option("--lanes", lanes,
                 "CPU: forward passes run at once, each on threads/lanes cores (throughput under load; a "
                 "request of one batch still uses every thread)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--cuda-attention", cuda_attention,
                 "CUDA bf16 attention kernel: auto (mma.sync) or wmma (the fallback kernel)")
      ->check(CLI::IsMember({"auto", "wmma"}))
      ->capture_default_str();
  cmd.add_option("--max-length", max_length, "Maximum tokens per query+document pair (0 = model default)");
  cmd.add_option("--truncation", truncation, "only_second, longest_first or only_first");
  cmd.add_option("--batch-tokens", batch_tokens, "Token budget of one forward batch (0 = default)");
  cmd.add_option("--endpoint", endpoint, "Hosted API: base URL overriding the provider default");
  cmd.add_option("--api-key", api_key, "Hosted API key (default: the provider's environment variable)");
  cmd.add_option("--fallback", fallbacks, "Ranker spec tried when the previous one fails (repeatable)");
  cmd.add_option("--param", params, "Type-specific setting key=value, e.g. k1=1.2 (repeatable)");
}

LoadOptions ModelFlags::to_load_options() const {
  LoadOptions o;
  o.type = type;
  o.device = device;
  o.precision = precision;
  o.threads = threads;
  o.lanes = lanes;
  o.cuda_attention = cuda_attention;
  o.max_length = max_length;
  o.truncation = truncation;
  o.batch_tokens = batch_tokens;
  o.endpoint = endpoint;
  o.api_key = api_key;
  o.fallbacks = fallbacks;
  for (const std::string& kv : params) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw CliError(kExitUsage, "--param '" + kv + "' must look like key=value");
    }
    o.params[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return o;
}

void require_activation_name(const std::string& activation) {
  if (activation != "none" && activation != "sigmoid") {
    throw CliError(kExitUsage, "--activation must be none or sigmoid");
  }
}

double apply_activation(const std::string& activation, ScoreKind kind, double raw_score) {
  if (activation == "none") return raw_score;
  if (activation == "sigmoid") return shown_score(kind, raw_score, /*raw_requested=*/false);
  throw Error(ErrorCode::InvalidArgument, "unknown activation '" + activation + "' (use none or sigmoid)");
}

}  // namespace rerank::cli
