#include "text/json_fields.hpp"

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"
#include "rerank/error.hpp"

namespace rerank::text {
namespace {

// The offending value, shortened: a field may hold a whole object.
std::string shown(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 40) + "...";
  return s;
}

[[noreturn]] void refuse(std::string_view field, const nlohmann::json& v, std::int64_t min_value,
                         std::int64_t max_value) {
  throw Error(ErrorCode::ModelFormat, "tokenizer.json " + std::string(field) + " must be an integer in [" +
                                          std::to_string(min_value) + ", " + std::to_string(max_value) +
                                          "], not " + shown(v));
}

}  // namespace

std::int32_t token_id(const nlohmann::json& v, std::string_view field) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
  const auto id = json_integer_in(v, 0, kMax);
  if (!id) refuse(field, v, 0, kMax);
  return static_cast<std::int32_t>(*id);
}

std::vector<std::int32_t> token_ids(const nlohmann::json& v, std::string_view field) {
  if (!v.is_array()) throw Error(ErrorCode::ModelFormat, "tokenizer.json " + std::string(field) + " must be an array of token ids");
  std::vector<std::int32_t> ids;
  ids.reserve(v.size());
  for (const nlohmann::json& id : v) ids.push_back(token_id(id, field));
  return ids;
}

std::int64_t integer_field(const nlohmann::json& object, const char* key, std::int64_t fallback,
                           std::int64_t min_value, std::int64_t max_value, std::string_view where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  const auto value = json_integer_in(*it, min_value, max_value);
  if (!value) refuse(std::string(where) + "." + key, *it, min_value, max_value);
  return *value;
}

}  // namespace rerank::text
