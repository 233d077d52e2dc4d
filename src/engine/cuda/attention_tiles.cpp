#include <algorithm>

#include "engine/cuda/attention.hpp"

namespace rerank::engine::cuda {

std::vector<AttentionTile> make_attention_tiles(std::span<const std::int32_t> seq_starts) {
  std::vector<AttentionTile> tiles;
  if (seq_starts.size() < 2) return tiles;
  const auto nseq = static_cast<std::int32_t>(seq_starts.size() - 1);
  std::vector<std::int32_t> order(static_cast<std::size_t>(nseq));
  for (std::int32_t s = 0; s < nseq; ++s) order[static_cast<std::size_t>(s)] = s;
  auto len = [&](std::int32_t s) { return seq_starts[static_cast<std::size_t>(s) + 1] - seq_starts[static_cast<std::size_t>(s)]; };
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return len(a) > len(b); });
  for (const std::int32_t s : order) {
    for (std::int32_t q = 0; q < len(s); q += kAttentionQueryTile) tiles.push_back({s, q});
  }
  return tiles;
}

}  // namespace rerank::engine::cuda
