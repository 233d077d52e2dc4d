#include "models/t5_config.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "models/config_json.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace {

namespace cj = config_json;

// T5's sizes: at least `min_value` (1 unless said), at most 2^30.
std::int64_t get_int(const nlohmann::json& c, const char* key, const std::string& where, bool required,
                     std::int64_t fallback, std::int64_t min_value = 1) {
  return cj::integer(c, key, where, required, fallback, min_value, std::int64_t{1} << 30);
}

engine::Activation activation_named(const std::string& name, const std::string& where) {
  if (name == "relu") return engine::Activation::Relu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return engine::Activation::GeluTanh;
  if (name == "gelu") return engine::Activation::GeluErf;
  throw Error(ErrorCode::NotSupported, where + ": T5 feed-forward activation '" + name +
                                           "' is not supported (relu, gelu, gelu_new)");
}

}  // namespace

T5Config parse_t5_config(const nlohmann::json& c, const std::string& where) {
  if (!c.is_object()) cj::fail(where, "config.json is not a JSON object");
  T5Config cfg;
  cfg.architecture = cj::architecture_name(c);
  cfg.vocab_size = get_int(c, "vocab_size", where, true, 0);
  cfg.d_model = get_int(c, "d_model", where, true, 0);
  cfg.d_kv = get_int(c, "d_kv", where, true, 0);
  cfg.d_ff = get_int(c, "d_ff", where, true, 0);
  cfg.num_layers = get_int(c, "num_layers", where, true, 0);
  cfg.num_decoder_layers = get_int(c, "num_decoder_layers", where, false, cfg.num_layers);
  cfg.num_heads = get_int(c, "num_heads", where, true, 0);
  // At least one exact bucket a side, and a logarithmic range past it (else the bucket
  // formula divides by zero).
  cfg.relative_attention_num_buckets = get_int(c, "relative_attention_num_buckets", where, false, 32, 4);
  cfg.relative_attention_max_distance = get_int(c, "relative_attention_max_distance", where, false, 128,
                                                cfg.relative_attention_num_buckets / 2 + 1);
  cfg.layer_norm_epsilon = cj::number(c, "layer_norm_epsilon", where, cfg.layer_norm_epsilon, /*allow_zero=*/true);
  // 5.x writes dense_act_fn and is_gated_act; 4.x derives them from feed_forward_proj.
  const std::string proj =
      c.contains("feed_forward_proj") && c["feed_forward_proj"].is_string() ? c["feed_forward_proj"].get<std::string>()
                                                                            : "relu";
  std::string act = proj.rfind("gated-", 0) == 0 ? proj.substr(6) : proj;
  cfg.gated = proj.rfind("gated-", 0) == 0;
  if (act == "gelu" && cfg.gated) act = "gelu_new";  // transformers: "gated-gelu" means gelu_new
  if (c.contains("dense_act_fn") && c["dense_act_fn"].is_string()) act = c["dense_act_fn"].get<std::string>();
  if (c.contains("is_gated_act") && c["is_gated_act"].is_boolean()) cfg.gated = c["is_gated_act"].get<bool>();
  cfg.dense_act = activation_named(act, where);
  cfg.tie_word_embeddings = cj::boolean(c, "tie_word_embeddings", where, cfg.tie_word_embeddings);
  cfg.scale_decoder_outputs = c.contains("scale_decoder_outputs") && c["scale_decoder_outputs"].is_boolean()
                                  ? c["scale_decoder_outputs"].get<bool>()
                                  : cfg.tie_word_embeddings;
  cfg.decoder_start_token_id =
      static_cast<std::int32_t>(get_int(c, "decoder_start_token_id", where, false,
                                        get_int(c, "pad_token_id", where, false, 0, 0), 0));
  if (cfg.decoder_start_token_id >= cfg.vocab_size) {
    cj::fail(where, "decoder_start_token_id " + std::to_string(cfg.decoder_start_token_id) +
                            " is outside the vocabulary of " + std::to_string(cfg.vocab_size));
  }
  return cfg;
}

std::int64_t t5_relative_position_bucket(std::int64_t relative_position, bool bidirectional,
                                         std::int64_t num_buckets, std::int64_t max_distance) {
  std::int64_t bucket = 0;
  std::int64_t n = relative_position;
  if (bidirectional) {
    num_buckets /= 2;
    if (n > 0) bucket += num_buckets;
    n = std::abs(n);
  } else {
    n = -std::min<std::int64_t>(n, 0);
  }
  const std::int64_t max_exact = num_buckets / 2;
  if (n < max_exact) return bucket + n;
  // As the reference: fp32 log of the fp32 ratio, over log(max_distance / max_exact) taken in
  // double and used as fp32, times the bucket span, truncated.
  const float ratio = static_cast<float>(n) / static_cast<float>(max_exact);
  const auto denominator = static_cast<float>(std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)));
  const float scaled = std::log(ratio) / denominator * static_cast<float>(num_buckets - max_exact);
  const std::int64_t large = max_exact + static_cast<std::int64_t>(scaled);
  return bucket + std::min(large, num_buckets - 1);
}

}  // namespace rerank::models
