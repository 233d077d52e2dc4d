// Numbers read from a tokenizer.json. The file comes from a Hub repository and is untrusted: an
// id of 1e45 or 2^32+5 must be refused with an error naming the field, never converted (a double
// out of int range is undefined behaviour; an integer out of range wraps into another id).
// Ranges follow the tokenizers crate, whose ids and type ids are u32 and counts usize.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace rerank::text {

// A token id: an integer in [0, INT32_MAX] (this library's id type). `field` names it in the
// error, e.g. "model.vocab".
std::int32_t token_id(const nlohmann::json& v, std::string_view field);

// An array of token ids.
std::vector<std::int32_t> token_ids(const nlohmann::json& v, std::string_view field);

// object[key] as an integer in [min_value, max_value], or `fallback` when the key is absent or null.
std::int64_t integer_field(const nlohmann::json& object, const char* key, std::int64_t fallback,
                           std::int64_t min_value, std::int64_t max_value, std::string_view where);

}  // namespace rerank::text
