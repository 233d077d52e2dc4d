#include "models/modernbert_config.hpp"

#include <nlohmann/json.hpp>

#include "models/checkpoint.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace {

[[noreturn]] void config_error(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::ModelFormat, where + ": " + what);
}

std::int64_t get_int(const nlohmann::json& c, const char* key, const std::string& where, bool required,
                     std::int64_t fallback) {
  if (!c.contains(key) || c[key].is_null()) {
    if (required) config_error(where, std::string("config.json lacks the required key '") + key + "'");
    return fallback;
  }
  if (!c[key].is_number_integer() || c[key].get<std::int64_t>() < 0 || c[key].get<std::int64_t>() > (1LL << 40)) {
    config_error(where, std::string("config.json key '") + key + "' must be a sane non-negative integer");
  }
  return c[key].get<std::int64_t>();
}

double get_number(const nlohmann::json& c, const char* key, const std::string& where, double fallback) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  if (!c[key].is_number() || c[key].get<double>() <= 0) {
    config_error(where, std::string("config.json key '") + key + "' must be a positive number");
  }
  return c[key].get<double>();
}

bool get_bool(const nlohmann::json& c, const char* key, const std::string& where, bool fallback) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  if (!c[key].is_boolean()) config_error(where, std::string("config.json key '") + key + "' must be true or false");
  return c[key].get<bool>();
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
    config_error(where, "config.json rope_parameters" + what + " needs a positive rope_theta");
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
  if (!c.is_object()) config_error(where, "config.json is not a JSON object");
  ModernBertConfig cfg;
  if (c.contains("architectures") && c["architectures"].is_array() && !c["architectures"].empty() &&
      c["architectures"][0].is_string()) {
    cfg.architecture = c["architectures"][0].get<std::string>();
  } else if (c.contains("model_type") && c["model_type"].is_string()) {
    cfg.architecture = c["model_type"].get<std::string>();
  }
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
    if (v < 1) config_error(where, std::string("config.json key '") + key + "' must be at least 1");
  }
  if (cfg.hidden_size % cfg.num_attention_heads != 0 || cfg.head_dim() < 2 || cfg.head_dim() % 2 != 0) {
    config_error(where, "hidden_size " + std::to_string(cfg.hidden_size) + " must split into num_attention_heads " +
                            std::to_string(cfg.num_attention_heads) + " heads of an even size (rotary pairs)");
  }
  cfg.norm_eps = get_number(c, "norm_eps", where, 1e-5);
  cfg.norm_bias = get_bool(c, "norm_bias", where, false);
  cfg.attention_bias = get_bool(c, "attention_bias", where, false);
  cfg.mlp_bias = get_bool(c, "mlp_bias", where, false);
  cfg.classifier_bias = get_bool(c, "classifier_bias", where, false);
  cfg.hidden_activation = activation(c, "hidden_activation", where);
  cfg.classifier_activation = activation(c, "classifier_activation", where);
  const std::string pooling =
      c.contains("classifier_pooling") && c["classifier_pooling"].is_string() ? c["classifier_pooling"].get<std::string>()
                                                                              : "cls";
  if (pooling != "cls" && pooling != "mean") {
    config_error(where, "config.json classifier_pooling '" + pooling + "' must be cls or mean");
  }
  cfg.mean_pooling = pooling == "mean";
  cfg.local_attention = get_int(c, "local_attention", where, false, 128);

  // Which layers slide: layer_types (5.x) or every n-th layer global (4.x, layer 0 global).
  if (c.contains("layer_types") && c["layer_types"].is_array()) {
    const auto& types = c["layer_types"];
    if (static_cast<std::int64_t>(types.size()) != cfg.num_hidden_layers) {
      config_error(where, "config.json layer_types has " + std::to_string(types.size()) + " entries for " +
                              std::to_string(cfg.num_hidden_layers) + " layers");
    }
    for (const auto& t : types) {
      const std::string type = t.is_string() ? t.get<std::string>() : "";
      if (type != "full_attention" && type != "sliding_attention") {
        config_error(where, "config.json layer_types entries must be full_attention or sliding_attention");
      }
      cfg.sliding.push_back(type == "sliding_attention");
    }
  } else {
    const std::int64_t every = get_int(c, "global_attn_every_n_layers", where, false, 3);
    if (every < 1) config_error(where, "config.json key 'global_attn_every_n_layers' must be at least 1");
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
    cfg.global_rope_theta = static_cast<float>(get_number(c, "global_rope_theta", where, 160000.0));
    cfg.local_rope_theta = static_cast<float>(get_number(c, "local_rope_theta", where, 10000.0));
  }
  cfg.num_labels = num_labels_of(c);
  if (cfg.num_labels == 0) config_error(where, "config.json declares zero labels (id2label is empty)");
  return cfg;
}

}  // namespace rerank::models
