#include "models/qwen3_config.hpp"

#include <string_view>

#include <nlohmann/json.hpp>

#include "models/checkpoint.hpp"
#include "models/config_json.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace {

namespace cj = config_json;

// rope_parameters (5.x) or rope_theta + rope_scaling (4.x): the theta and a linear factor;
// other scaling types (yarn, dynamic, llama3) change the frequencies and are refused.
void parse_rope(const nlohmann::json& c, const std::string& where, Qwen3Config& cfg) {
  const nlohmann::json* scaling = nullptr;
  if (c.contains("rope_parameters") && !c["rope_parameters"].is_null()) {
    const nlohmann::json& p = c["rope_parameters"];
    if (!p.is_object()) cj::fail(where, "config.json key 'rope_parameters' must be an object");
    cfg.rope_theta = cj::number(p, "rope_theta", where, cfg.rope_theta);
    scaling = &p;
  } else {
    cfg.rope_theta = cj::number(c, "rope_theta", where, cfg.rope_theta);
    if (c.contains("rope_scaling") && !c["rope_scaling"].is_null()) {
      if (!c["rope_scaling"].is_object()) cj::fail(where, "config.json key 'rope_scaling' must be an object");
      scaling = &c["rope_scaling"];
    }
  }
  if (!scaling) return;
  std::string type = cj::string(*scaling, "rope_type", where, "");
  if (type.empty()) type = cj::string(*scaling, "type", where, "default");
  if (type == "default") return;
  if (type == "linear") {
    cfg.rope_linear_factor = cj::number(*scaling, "factor", where, 1.0);
    return;
  }
  throw Error(ErrorCode::NotSupported,
              where + ": rope_type '" + type + "' is not supported for Qwen3 (default, linear)");
}

}  // namespace

Qwen3Config parse_qwen3_config(const nlohmann::json& c, const std::string& where) {
  if (!c.is_object()) cj::fail(where, "config.json is not a JSON object");
  Qwen3Config cfg;
  cfg.architecture = cj::architecture_name(c);
  cfg.sequence_classification = std::string_view(cfg.architecture).ends_with("ForSequenceClassification");
  if (cfg.sequence_classification) {
    cfg.num_labels = static_cast<std::int64_t>(num_labels_of(c));
    if (cfg.num_labels < 1 || cfg.num_labels > (1 << 20)) {
      cj::fail(where, "a sequence classifier needs 1 or more labels (num_labels / id2label), not " +
                          std::to_string(cfg.num_labels));
    }
  }
  cfg.vocab_size = cj::integer(c, "vocab_size", where, true, 0, 1, 1LL << 24);
  cfg.hidden_size = cj::integer(c, "hidden_size", where, true, 0, 1, 1 << 16);
  cfg.intermediate_size = cj::integer(c, "intermediate_size", where, true, 0, 1, 1 << 18);
  cfg.num_layers = cj::integer(c, "num_hidden_layers", where, true, 0, 1, 1024);
  cfg.num_heads = cj::integer(c, "num_attention_heads", where, true, 0, 1, 1024);
  cfg.num_kv_heads = cj::integer(c, "num_key_value_heads", where, false, cfg.num_heads, 1, 1024);
  if (cfg.num_heads % cfg.num_kv_heads != 0) {
    cj::fail(where, "num_attention_heads " + std::to_string(cfg.num_heads) +
                        " is not a multiple of num_key_value_heads " + std::to_string(cfg.num_kv_heads));
  }
  cfg.head_dim = cj::integer(c, "head_dim", where, false, cfg.hidden_size / cfg.num_heads, 1, 4096);
  // Without a head_dim key it is hidden_size / num_attention_heads (as transformers reads it),
  // which the range check above does not see: 8 / 12 is 0.
  if (cfg.head_dim < 2 || cfg.head_dim % 2 != 0) {
    cj::fail(where, "head_dim " + std::to_string(cfg.head_dim) +
                        " (hidden_size / num_attention_heads without a head_dim key) must be even and at least 2 "
                        "(rotary pairs)");
  }
  cfg.rms_norm_eps = cj::number(c, "rms_norm_eps", where, cfg.rms_norm_eps, /*allow_zero=*/true);
  parse_rope(c, where, cfg);
  cfg.attention_bias = cj::boolean(c, "attention_bias", where, false);
  cfg.tie_word_embeddings = cj::boolean(c, "tie_word_embeddings", where, false);
  cfg.max_position_embeddings = cj::integer(c, "max_position_embeddings", where, false, 40960, 1, 1LL << 24);
  const std::string act = cj::string(c, "hidden_act", where, "silu");
  if (act != "silu" && act != "swish") {
    throw Error(ErrorCode::NotSupported, where + ": hidden_act '" + act + "' is not supported for Qwen3 (silu)");
  }
  // Sliding-window layers (use_sliding_window with layer_types "sliding_attention"): none of
  // the published rerankers uses them; refused rather than run as full attention.
  // layer_types (5.x) says per layer; without it, use_sliding_window (4.x) does.
  bool sliding = cj::boolean(c, "use_sliding_window", where, false);
  if (c.contains("layer_types") && c["layer_types"].is_array()) {
    sliding = false;
    for (const nlohmann::json& t : c["layer_types"]) {
      if (!t.is_string()) cj::fail(where, "config.json key 'layer_types' must hold strings");
      if (t.get<std::string>() != "full_attention") sliding = true;
    }
  }
  if (sliding) {
    throw Error(ErrorCode::NotSupported, where + ": Qwen3 sliding-window layers are not supported (use_sliding_window "
                                                 "/ layer_types other than full_attention)");
  }
  return cfg;
}

}  // namespace rerank::models
