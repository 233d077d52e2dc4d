// A fixed-bucket histogram with lock-free updates, rendered as a Prometheus histogram.
// Thread-safe: observe() and snapshot() may run concurrently from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace rerank::runtime {

class Histogram {
 public:
  // `upper_bounds` must be strictly increasing; a +Inf bucket is implicit.
  explicit Histogram(std::vector<double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    std::uint64_t count = 0;
    double sum = 0.0;
  };
  Snapshot snapshot() const;

  // Bucket bounds for latencies in seconds (1 ms .. 60 s).
  static std::vector<double> latency_buckets();
  // Powers of two from 1 to `max` (batch sizes, token counts).
  static std::vector<double> power_of_two_buckets(double max);

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_;  // per bucket, not cumulative; last is +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

}  // namespace rerank::runtime
