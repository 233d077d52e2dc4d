// Typed reads of optional request fields. Absent and JSON null mean "not given" (LangChain JS
// sends "max_chunks_per_doc": null); a present field of the wrong type is Error(InvalidArgument)
// naming the field.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rerank::serve {

const nlohmann::json* find_field(const nlohmann::json& object, const char* key);
std::optional<std::string> optional_string(const nlohmann::json& object, const char* key);
std::optional<bool> optional_bool(const nlohmann::json& object, const char* key);
// A non-negative integer (a float with an integral value is accepted: 3.0).
std::optional<std::size_t> optional_count(const nlohmann::json& object, const char* key);
std::string required_string(const nlohmann::json& object, const char* key);
// An array field; Error(InvalidArgument) when absent, null or not an array.
const nlohmann::json& required_array(const nlohmann::json& object, const char* key);

}  // namespace rerank::serve
