#include "rankers/listwise/windows.hpp"

#include <algorithm>
#include <string>

#include "rerank/error.hpp"

namespace rerank::listwise {

std::vector<Window> sliding_windows(std::size_t candidates, std::size_t window, std::size_t stride) {
  if (window == 0) throw Error(ErrorCode::InvalidArgument, "the listwise window must hold at least 1 passage");
  if (stride == 0) throw Error(ErrorCode::InvalidArgument, "the listwise stride must be at least 1");
  std::vector<Window> out;
  // rank_llm with rank_start = 0: end = min(rank_end, n), start = max(end - window, 0); stop
  // once a window starting at the top has been sent.
  long long end = static_cast<long long>(candidates);
  long long start = std::max(end - static_cast<long long>(window), 0LL);
  bool reached_top = false;
  while (end > start && !reached_top) {
    out.push_back({static_cast<std::size_t>(start), static_cast<std::size_t>(end)});
    reached_top = start == 0;
    end -= static_cast<long long>(stride);
    start = std::max(start - static_cast<long long>(stride), 0LL);
  }
  return out;
}

}  // namespace rerank::listwise
