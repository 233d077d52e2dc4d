#include "models/modernbert_config.hpp"

#include <nlohmann/json.hpp>

#include "models/checkpoint.hpp"
#include "models/config_json.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace {

namespace cj = config_json;

std::int64_t get_int(const nlohmann::json& c, const char* key, const std::string& where, bool required,
                     std::int64_t fallback) {
  return cj::integer(c, key, where, required, fallback, /*min_value=*/0);
}

engine::Activation activation(const nlohmann::json& c, const char* key, const std::string& where) {
  const std::string name = c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : "gelu";
  if (name == "gelu") return engine::Activation::GeluErf;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return engine::Activation::GeluTanh;
  if (name == "relu") return engine::Activation::Relu;
  throw Error(ErrorCode::NotSupported, where + ": " + key + " '" + name +
                                           "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu)");
}

// rope_parameters[layer_type].rope_theta (5.x), with rope_type "default" only.
float theta_of(const nlohmann::json& params, const std::string& where, const std::string& what) {
  if (!params.is_object() || !params.contains("rope_theta") || !params["rope_theta"].is_number() ||
      params["rope_theta"].get<double>() <= 0) {
    cj::fail(where, "config.json rope_parameters" + what + " needs a positive rope_theta");
  }
  if (params.contains("rope_type") && params["rope_type"].is_string() &&
      params["rope_type"].get<std::string>() != "default") {
    throw Error(ErrorCode::NotSupported, where + ": rope_type '" + params["rope_type"].get<std::string>() +
                                             "' is not supported for ModernBERT (only 'default')");
  }
  return static_cast<float>(params["rope_theta"].get<double>());
}

}  // namespace

ModernBertConfig parse_modernbert_config(const nlohmann::json& c, const std::string& where) {
  if (!c.is_object()) cj::fail(where, "config.json is not a JSON object");
  ModernBertConfig cfg;
  cfg.architecture = cj::architecture_name(c);
  cfg.vocab_size = get_int(c, "vocab_size", where, true, 0);
  cfg.hidden_size = get_int(c, "hidden_size", where, true, 0);
  cfg.num_hidden_layers = get_int(c, "num_hidden_layers", where, true, 0);
  cfg.num_attention_heads = get_int(c, "num_attention_heads", where, true, 0);
  cfg.intermediate_size = get_int(c, "intermediate_size", where, true, 0);
  cfg.max_position_embeddings = get_int(c, "max_position_embeddings", where, true, 0);
  cfg.pad_token_id = get_int(c, "pad_token_id", where, false, 0);
  for (const auto& [key, v] : {std::pair{"vocab_size", cfg.vocab_size}, {"hidden_size", cfg.hidden_size},
                               {"num_hidden_layers", cfg.num_hidden_layers},
                               {"num_attention_heads", cfg.num_attention_heads},
                               {"intermediate_size", cfg.intermediate_size},
                               {"max_position_embeddings", cfg.max_position_embeddings}}) {
    if (v < 1) cj::fail(where, std::string("config.json key '") + key + "' must be at least 1");
  }
  if (cfg.hidden_size % cfg.num_attention_heads != 0 || cfg.head_dim() < 2 || cfg.head_dim() % 2 != 0) {
    cj::fail(where, "hidden_size " + std::to_string(cfg.hidden_size) + " must split into num_attention_heads " +
                            std::to_string(cfg.num_attention_heads) + " heads of an even size (rotary pairs)");
  }
  cfg.norm_eps = cj::number(c, "norm_eps", where, 1e-5);
  cfg.norm_bias = cj::boolean(c, "norm_bias", where, false);
  cfg.attention_bias = cj::boolean(c, "attention_bias", where, false);
  cfg.mlp_bias = cj::boolean(c, "mlp_bias", where, false);
  cfg.classifier_bias = cj::boolean(c, "classifier_bias", where, false);
  cfg.hidden_activation = activation(c, "hidden_activation", where);
  cfg.classifier_activation = activation(c, "classifier_activation", where);
  const std::string pooling =
      c.contains("classifier_pooling") && c["classifier_pooling"].is_string() ? c["classifier_pooling"].get<std::string>()
                                                                              : "cls";
  if (pooling != "cls" && pooling != "mean") {
    cj::fail(where, "config.json classifier_pooling '" + pooling + "' must be cls or mean");
  }
  cfg.mean_pooling = pooling == "mean";
  cfg.local_attention = get_int(c, "local_attention", where, false, 128);

  // Which layers slide: layer_types (5.x) or every n-th layer global (4.x, layer 0 global).
  if (c.contains("layer_types") && c["layer_types"].is_array()) {
    const auto& types = c["layer_types"];
    if (static_cast<std::int64_t>(types.size()) != cfg.num_hidden_layers) {
      cj::fail(where, "config.json layer_types has " + std::to_string(types.size()) + " entries for " +
                              std::to_string(cfg.num_hidden_layers) + " layers");
    }
    for (const auto& t : types) {
      const std::string type = t.is_string() ? t.get<std::string>() : "";
      if (type != "full_attention" && type != "sliding_attention") {
        cj::fail(where, "config.json layer_types entries must be full_attention or sliding_attention");
      }
      cfg.sliding.push_back(type == "sliding_attention");
    }
  } else {
    const std::int64_t every = get_int(c, "global_attn_every_n_layers", where, false, 3);
    if (every < 1) cj::fail(where, "config.json key 'global_attn_every_n_layers' must be at least 1");
    for (std::int64_t i = 0; i < cfg.num_hidden_layers; ++i) cfg.sliding.push_back(i % every != 0);
  }

  // Rotary thetas: rope_parameters per layer type (5.x), else global_rope_theta/local_rope_theta (4.x).
  if (c.contains("rope_parameters") && c["rope_parameters"].is_object()) {
    const auto& rp = c["rope_parameters"];
    if (rp.contains("full_attention") || rp.contains("sliding_attention")) {
      if (rp.contains("full_attention")) cfg.global_rope_theta = theta_of(rp["full_attention"], where, ".full_attention");
      if (rp.contains("sliding_attention"))
        cfg.local_rope_theta = theta_of(rp["sliding_attention"], where, ".sliding_attention");
    } else {
      cfg.global_rope_theta = cfg.local_rope_theta = theta_of(rp, where, "");
    }
  } else {
    cfg.global_rope_theta = static_cast<float>(cj::number(c, "global_rope_theta", where, 160000.0));
    cfg.local_rope_theta = static_cast<float>(cj::number(c, "local_rope_theta", where, 10000.0));
  }
  cfg.num_labels = num_labels_of(c);
  if (cfg.num_labels == 0) cj::fail(where, "config.json declares zero labels (id2label is empty)");
  return cfg;
}

}  // namespace rerank::models
