// Splitting one document list into requests that respect a provider's limits: at most
// `max_documents` documents and, when `max_request_tokens` is set, at most that many
// estimated tokens counted the way Voyage and Cohere bill them (query tokens once per
// document plus the document tokens). Scores from the parts are merged by offset.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace rerank::api {

struct RequestPart {
  std::size_t begin = 0;  // first document (index into the full list)
  std::size_t end = 0;    // one past the last
  std::size_t estimated_tokens = 0;
};

// Consecutive, non-empty parts covering [0, document_tokens.size()). A single document
// over the token cap gets a part of its own (the provider then truncates or rejects it).
std::vector<RequestPart> plan_requests(const std::vector<std::size_t>& document_tokens, std::size_t query_tokens,
                                       std::size_t max_documents, std::size_t max_request_tokens);

}  // namespace rerank::api
