#include "models/sentence_transformers_head.hpp"

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace fs = std::filesystem;

namespace {

std::optional<nlohmann::json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_json(text, path.string(), {kMaxJsonDepth, ErrorCode::ModelFormat, ""});
}

nlohmann::json require_json(const fs::path& path) {
  std::optional<nlohmann::json> j = read_json(path);
  if (!j || !j->is_object()) throw Error(ErrorCode::ModelFormat, path.string() + ": missing or not a JSON object");
  return *j;
}

std::int64_t positive_int(const nlohmann::json& c, const char* key, const fs::path& where) {
  const auto v = c.contains(key) ? json_integer_in(c[key], 1, 1LL << 30) : std::nullopt;
  if (!v) throw Error(ErrorCode::ModelFormat, where.string() + ": '" + key + "' must be a positive integer");
  return *v;
}

// sentence-transformers stores a Dense module's activation as the torch class path.
engine::Activation dense_activation(const nlohmann::json& c, const fs::path& where) {
  const std::string name = c.contains("activation_function") && c["activation_function"].is_string()
                               ? c["activation_function"].get<std::string>()
                               : "torch.nn.modules.activation.Tanh";  // Dense's default
  if (name == "torch.nn.modules.linear.Identity") return engine::Activation::None;
  if (name == "torch.nn.modules.activation.GELU") return engine::Activation::GeluErf;
  if (name == "torch.nn.modules.activation.Tanh") return engine::Activation::Tanh;
  if (name == "torch.nn.modules.activation.ReLU") return engine::Activation::Relu;
  throw Error(ErrorCode::NotSupported, where.string() + ": Dense activation '" + name + "' is not supported");
}

// A boolean key of a module config: `fallback` when absent, Error(ModelFormat) when not a bool.
bool flag(const nlohmann::json& c, const char* key, bool fallback, const fs::path& where) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  if (!c[key].is_boolean()) throw Error(ErrorCode::ModelFormat, where.string() + ": '" + key + "' must be true or false");
  return c[key].get<bool>();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::optional<ModularHead> read_modular_cross_encoder_head(const fs::path& dir) {
  if (dir.empty()) return std::nullopt;
  const std::optional<nlohmann::json> modules = read_json(dir / "modules.json");
  if (!modules || !modules->is_array() || modules->size() < 3) return std::nullopt;
  auto type_of = [](const nlohmann::json& m) {
    return m.is_object() && m.contains("type") && m["type"].is_string() ? m["type"].get<std::string>() : "";
  };
  auto path_of = [](const nlohmann::json& m) {
    return m.is_object() && m.contains("path") && m["path"].is_string() ? m["path"].get<std::string>() : "";
  };
  const auto& list = *modules;
  if (!ends_with(type_of(list[0]), ".Transformer") || !path_of(list[0]).empty() ||
      !ends_with(type_of(list[1]), ".Pooling") || !ends_with(type_of(list.back()), ".Dense")) {
    return std::nullopt;
  }
  ModularHead head;
  const fs::path pooling_config = dir / path_of(list[1]) / "config.json";
  const nlohmann::json pooling = require_json(pooling_config);
  // sentence-transformers v5 writes pooling_mode; earlier versions one flag per mode.
  std::string mode;
  if (pooling.contains("pooling_mode") && pooling["pooling_mode"].is_string()) {
    mode = pooling["pooling_mode"].get<std::string>();
  } else if (flag(pooling, "pooling_mode_cls_token", false, pooling_config)) {
    mode = "cls";
  } else if (flag(pooling, "pooling_mode_mean_tokens", false, pooling_config)) {
    mode = "mean";
  }
  if (mode != "cls" && mode != "mean") {
    throw Error(ErrorCode::NotSupported, pooling_config.string() + ": pooling mode '" + mode +
                                             "' is not supported (cls or mean)");
  }
  head.mean_pooling = mode == "mean";
  for (std::size_t i = 2; i < list.size(); ++i) {
    ModularHeadStep step;
    step.folder = dir / path_of(list[i]);
    const fs::path config_path = step.folder / "config.json";
    const nlohmann::json c = require_json(config_path);
    const std::string type = type_of(list[i]);
    if (ends_with(type, ".Dense")) {
      step.kind = ModularHeadStep::Kind::Dense;
      step.in = positive_int(c, "in_features", config_path);
      step.out = positive_int(c, "out_features", config_path);
      step.bias = flag(c, "bias", true, config_path);
      step.activation = dense_activation(c, config_path);
    } else if (ends_with(type, ".LayerNorm")) {
      step.kind = ModularHeadStep::Kind::LayerNorm;
      step.in = step.out = positive_int(c, "dimension", config_path);
    } else {
      throw Error(ErrorCode::NotSupported, (dir / "modules.json").string() + ": module '" + type +
                                               "' in a CrossEncoder head is not supported (Dense, LayerNorm)");
    }
    if (!head.steps.empty() && head.steps.back().out != step.in) {
      throw Error(ErrorCode::ModelFormat, config_path.string() + ": takes " + std::to_string(step.in) +
                                              " features, the module before gives " +
                                              std::to_string(head.steps.back().out));
    }
    head.steps.push_back(step);
  }
  return head;
}

}  // namespace rerank::models
