// Summaries of per-query latency samples.
#pragma once

#include <cstddef>
#include <vector>

namespace rerank::eval {

struct LatencySummary {
  std::size_t count = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// Percentiles by the nearest-rank method (the smallest sample with at least p% of the
// samples at or below it), so every reported value is a latency that really happened.
// All zeros for no samples.
LatencySummary summarize_latency(std::vector<double> samples_ms);

// The nearest-rank percentile of already sorted samples; p in [0, 100].
double nearest_rank_percentile(const std::vector<double>& sorted, double p);

}  // namespace rerank::eval
