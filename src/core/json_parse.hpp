// JSON from outside the process (requests, JSONL documents, model files, upstream answers)
// parsed with its nesting bounded *while parsing*. nlohmann's parser and destructor keep their
// own stacks, but copying, dumping, comparing and converting a value recurse, so a value nested
// 100,000 deep (200 KB of brackets) would overflow the stack in whatever touches it next. One
// rule for every caller: refuse it before it exists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "rerank/error.hpp"

namespace rerank {

// Real inputs nest a handful of levels (a request's documents, a tokenizer's normalizers);
// 64 leaves room for metadata while keeping every recursion shallow.
inline constexpr std::size_t kMaxJsonDepth = 64;

struct JsonLimits {
  std::size_t max_depth = kMaxJsonDepth;  // containers around any value; the outermost is 1
  ErrorCode code = ErrorCode::InvalidInput;
  std::string limit_name;  // named in the message, e.g. "the server's --max-json-depth"
};

// Parses `text`. Malformed JSON or nesting past limits.max_depth throws Error(limits.code) whose
// message starts with `what` ("config.json", "line 3") and gives the parser's position (not the
// text: it may hold secrets).
nlohmann::json parse_json(std::string_view text, const std::string& what, const JsonLimits& limits = {});

// `v` as an integer in [min_value, max_value]; nullopt for anything else (a float, a string, an
// integer out of range). Untrusted JSON goes through here rather than nlohmann's get<int>(),
// which converts an out-of-range double to int (undefined behaviour) and wraps an out-of-range
// integer silently: a vocabulary id of 1e45 or 2^32+5 must be refused, not turned into another id.
std::optional<std::int64_t> json_integer_in(const nlohmann::json& v, std::int64_t min_value, std::int64_t max_value);

}  // namespace rerank
