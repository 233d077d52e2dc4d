#include "models/encoder_config.hpp"

#include <nlohmann/json.hpp>

#include "models/checkpoint.hpp"
#include "models/config_json.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace {

namespace cj = config_json;

// BERT-family sizes: at least `min_value`, at most 2^40 (an absurd size is a corrupt config).
std::int64_t get_int(const nlohmann::json& c, const char* key, const std::string& where, bool required,
                     std::int64_t fallback, std::int64_t min_value) {
  return cj::integer(c, key, where, required, fallback, min_value, std::int64_t{1} << 40);
}

}  // namespace

EncoderConfig parse_encoder_config(const nlohmann::json& c, const std::string& where) {
  if (!c.is_object()) cj::fail(where, "config.json is not a JSON object");
  EncoderConfig cfg;
  if (c.contains("architectures") && c["architectures"].is_array() && !c["architectures"].empty() &&
      c["architectures"][0].is_string()) {
    cfg.architecture = c["architectures"][0].get<std::string>();
  }
  if (!c.contains("model_type") || !c["model_type"].is_string()) {
    cj::fail(where, "config.json lacks the required key 'model_type'");
  }
  cfg.model_type = c["model_type"].get<std::string>();
  cfg.vocab_size = get_int(c, "vocab_size", where, true, 0, 1);
  cfg.hidden_size = get_int(c, "hidden_size", where, true, 0, 1);
  cfg.num_hidden_layers = get_int(c, "num_hidden_layers", where, true, 0, 1);
  cfg.num_attention_heads = get_int(c, "num_attention_heads", where, true, 0, 1);
  cfg.intermediate_size = get_int(c, "intermediate_size", where, true, 0, 1);
  cfg.max_position_embeddings = get_int(c, "max_position_embeddings", where, true, 0, 1);
  cfg.type_vocab_size = get_int(c, "type_vocab_size", where, false, 2, 0);
  cfg.pad_token_id = get_int(c, "pad_token_id", where, false, 0, 0);
  cfg.embedding_size = get_int(c, "embedding_size", where, false, cfg.hidden_size, 1);
  if (cfg.hidden_size % cfg.num_attention_heads != 0) {
    cj::fail(where, "hidden_size " + std::to_string(cfg.hidden_size) + " is not a multiple of num_attention_heads " +
                            std::to_string(cfg.num_attention_heads));
  }
  if (c.contains("layer_norm_eps") && !c["layer_norm_eps"].is_null()) {
    if (!c["layer_norm_eps"].is_number() || c["layer_norm_eps"].get<double>() < 0) {
      cj::fail(where, "config.json key 'layer_norm_eps' must be a non-negative number");
    }
    cfg.layer_norm_eps = c["layer_norm_eps"].get<double>();
  }
  if (c.contains("hidden_act") && c["hidden_act"].is_string()) cfg.hidden_act = c["hidden_act"].get<std::string>();
  static const char* const kActs[] = {"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"};
  bool known = false;
  for (const char* a : kActs) known = known || cfg.hidden_act == a;
  if (!known) {
    throw Error(ErrorCode::NotSupported, where + ": hidden_act '" + cfg.hidden_act +
                                             "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu)");
  }
  if (c.contains("position_embedding_type") && c["position_embedding_type"].is_string() &&
      c["position_embedding_type"].get<std::string>() != "absolute") {
    throw Error(ErrorCode::NotSupported, where + ": position_embedding_type '" +
                                             c["position_embedding_type"].get<std::string>() +
                                             "' is not supported (only 'absolute')");
  }
  cfg.num_labels = num_labels_of(c);
  if (cfg.num_labels == 0) cj::fail(where, "config.json declares zero labels (id2label is empty)");
  return cfg;
}

}  // namespace rerank::models
