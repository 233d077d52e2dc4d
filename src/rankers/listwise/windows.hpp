// The sliding windows a listwise reranker sends over n candidates, in the order they are
// sent: from the bottom of the list up, each window [begin, end) reranked in place before the
// next, so strong passages rise (rank_llm `_count_windows` / `_sliding_windows_batched_async`,
// @1b3cabb; reranker_recipes.md 8.1). 100 candidates, window 20, stride 10: [80,100),
// [70,90), ..., [0,20), 9 calls; a list no longer than the window is one call.
#pragma once

#include <cstddef>
#include <vector>

namespace rerank::listwise {

struct Window {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool operator==(const Window&) const = default;
};

// Error(InvalidArgument) for a window or stride of 0.
std::vector<Window> sliding_windows(std::size_t candidates, std::size_t window, std::size_t stride);

}  // namespace rerank::listwise
