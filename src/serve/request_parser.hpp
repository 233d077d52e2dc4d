// From a route and the raw body bytes to a RerankCall: UTF-8 check, JSON parse, dialect
// dispatch by route and fields. No I/O, so the fuzz target drives it directly.
#pragma once

#include <cstddef>
#include <string_view>

#include "serve/rerank_call.hpp"

namespace rerank::serve {

// The dialect whose error shape a route uses before its body is understood.
Dialect route_dialect(std::string_view route);

struct RequestLimits {
  // Containers (objects, arrays) nested around any value, the body's object being 1. Checked
  // while parsing, so no recursive step ever sees a deeper value (--max-json-depth).
  std::size_t max_json_depth = 64;
};

// Routes: /v1/rerank, /v2/rerank, /rerank, /v1/reranking and / (dispatch by field: texts = TEI,
// input = Mixedbread, documents = Jina/Cohere v1). Throws Error(InvalidInput) for invalid
// UTF-8, malformed JSON or nesting past limits.max_json_depth, and Error(InvalidArgument) for
// missing or mistyped fields.
RerankCall parse_rerank_request(std::string_view route, std::string_view body, const RequestLimits& limits = {});

}  // namespace rerank::serve
