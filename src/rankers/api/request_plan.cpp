#include "rankers/api/request_plan.hpp"

#include <algorithm>

namespace rerank::api {

std::vector<RequestPart> plan_requests(const std::vector<std::size_t>& document_tokens, std::size_t query_tokens,
                                       std::size_t max_documents, std::size_t max_request_tokens) {
  std::vector<RequestPart> parts;
  max_documents = std::max<std::size_t>(1, max_documents);
  RequestPart current;
  for (std::size_t i = 0; i < document_tokens.size(); ++i) {
    const std::size_t cost = query_tokens + document_tokens[i];
    const bool full = current.end - current.begin >= max_documents ||
                      (max_request_tokens > 0 && current.end > current.begin &&
                       current.estimated_tokens + cost > max_request_tokens);
    if (full) {
      parts.push_back(current);
      current = RequestPart{i, i, 0};
    }
    current.end = i + 1;
    current.estimated_tokens += cost;
  }
  if (current.end > current.begin) parts.push_back(current);
  return parts;
}

}  // namespace rerank::api
