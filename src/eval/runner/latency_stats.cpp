#include "eval/runner/latency_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rerank::eval {

double nearest_rank_percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double n = static_cast<double>(sorted.size());
  std::size_t rank = static_cast<std::size_t>(std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * n));
  if (rank == 0) rank = 1;
  return sorted[rank - 1];
}

LatencySummary summarize_latency(std::vector<double> samples_ms) {
  LatencySummary s;
  if (samples_ms.empty()) return s;
  std::sort(samples_ms.begin(), samples_ms.end());
  s.count = samples_ms.size();
  s.mean_ms = std::accumulate(samples_ms.begin(), samples_ms.end(), 0.0) / static_cast<double>(s.count);
  s.p50_ms = nearest_rank_percentile(samples_ms, 50);
  s.p95_ms = nearest_rank_percentile(samples_ms, 95);
  s.p99_ms = nearest_rank_percentile(samples_ms, 99);
  s.max_ms = samples_ms.back();
  return s;
}

}  // namespace rerank::eval
