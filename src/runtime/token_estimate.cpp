#include "runtime/token_estimate.hpp"

#include <algorithm>

namespace rerank::runtime {

std::size_t estimate_tokens(std::string_view text) {
  if (text.empty()) return 0;
  // Each word costs at least one token, long words about one per four bytes.
  std::size_t tokens = 0;
  std::size_t word = 0;
  auto flush = [&] {
    if (word > 0) tokens += (word + 3) / 4;
    word = 0;
  };
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      flush();
    } else {
      ++word;
    }
  }
  flush();
  return std::max<std::size_t>(tokens, 1);
}

std::size_t estimate_pair_tokens(std::size_t query_tokens, std::size_t document_tokens,
                                 std::size_t max_document_tokens, std::size_t max_pair_tokens) {
  if (max_document_tokens > 0) document_tokens = std::min(document_tokens, max_document_tokens);
  std::size_t pair = query_tokens + document_tokens + 3;
  if (max_pair_tokens > 0) pair = std::min(pair, max_pair_tokens);
  return pair;
}

}  // namespace rerank::runtime
