#include "serve/json_fields.hpp"

#include <cmath>

#include "rerank/error.hpp"

namespace rerank::serve {

namespace {
[[noreturn]] void wrong_type(const char* key, const char* expected) {
  throw Error(ErrorCode::InvalidArgument, std::string("'") + key + "' must be " + expected);
}
}  // namespace

const nlohmann::json* find_field(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> optional_string(const nlohmann::json& object, const char* key) {
  const nlohmann::json* v = find_field(object, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong_type(key, "a string");
  return v->get<std::string>();
}

std::optional<bool> optional_bool(const nlohmann::json& object, const char* key) {
  const nlohmann::json* v = find_field(object, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong_type(key, "true or false");
  return v->get<bool>();
}

std::optional<std::size_t> optional_count(const nlohmann::json& object, const char* key) {
  const nlohmann::json* v = find_field(object, key);
  if (!v) return std::nullopt;
  if (v->is_number_unsigned()) return v->get<std::size_t>();
  if (v->is_number_integer()) {
    if (v->get<long long>() < 0) wrong_type(key, "a non-negative integer");
    return static_cast<std::size_t>(v->get<long long>());
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d >= 0 && d <= 1e15 && std::floor(d) == d) return static_cast<std::size_t>(d);
  }
  wrong_type(key, "a non-negative integer");
}

std::string required_string(const nlohmann::json& object, const char* key) {
  const nlohmann::json* v = find_field(object, key);
  if (!v) throw Error(ErrorCode::InvalidArgument, std::string("'") + key + "' is required");
  if (!v->is_string()) wrong_type(key, "a string");
  return v->get<std::string>();
}

const nlohmann::json& required_array(const nlohmann::json& object, const char* key) {
  const nlohmann::json* v = find_field(object, key);
  if (!v) throw Error(ErrorCode::InvalidArgument, std::string("'") + key + "' is required");
  if (!v->is_array()) wrong_type(key, "an array");
  return *v;
}

}  // namespace rerank::serve
