#include "models/config_json.hpp"

#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"
#include "rerank/error.hpp"

namespace rerank::models::config_json {

void fail(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::ModelFormat, where + ": " + what);
}

namespace {

bool absent(const nlohmann::json& c, const char* key) { return !c.contains(key) || c[key].is_null(); }

}  // namespace

std::int64_t integer(const nlohmann::json& c, const char* key, const std::string& where, bool required,
                     std::int64_t fallback, std::int64_t min_value, std::int64_t max_value) {
  if (absent(c, key)) {
    if (required) fail(where, std::string("config.json lacks the required key '") + key + "'");
    return fallback;
  }
  const auto v = json_integer_in(c[key], min_value, max_value);
  if (!v) {
    fail(where, std::string("config.json key '") + key + "' must be an integer in [" + std::to_string(min_value) +
                    ", " + std::to_string(max_value) + "]");
  }
  return *v;
}

double number(const nlohmann::json& c, const char* key, const std::string& where, double fallback, bool allow_zero) {
  if (absent(c, key)) return fallback;
  const nlohmann::json& v = c[key];
  if (!v.is_number() || v.get<double>() < 0 || (!allow_zero && v.get<double>() == 0)) {
    fail(where, std::string("config.json key '") + key + "' must be a " + (allow_zero ? "non-negative" : "positive") +
                    " number");
  }
  return v.get<double>();
}

bool boolean(const nlohmann::json& c, const char* key, const std::string& where, bool fallback) {
  if (absent(c, key)) return fallback;
  if (!c[key].is_boolean()) fail(where, std::string("config.json key '") + key + "' must be true or false");
  return c[key].get<bool>();
}

std::string string(const nlohmann::json& c, const char* key, const std::string& where, const std::string& fallback) {
  if (absent(c, key)) return fallback;
  if (!c[key].is_string()) fail(where, std::string("config.json key '") + key + "' must be a string");
  return c[key].get<std::string>();
}

std::string architecture_name(const nlohmann::json& c) {
  if (c.contains("architectures") && c["architectures"].is_array() && !c["architectures"].empty() &&
      c["architectures"][0].is_string()) {
    return c["architectures"][0].get<std::string>();
  }
  if (c.contains("model_type") && c["model_type"].is_string()) return c["model_type"].get<std::string>();
  return "";
}

}  // namespace rerank::models::config_json
