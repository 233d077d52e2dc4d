// Server metrics in the Prometheus text format: HTTP requests by endpoint and status, end to
// end latency, and each model scheduler's queue, batch and stage figures.
// Thread-safe: record() and render() may run concurrently.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "runtime/histogram.hpp"
#include "serve/model_table.hpp"

namespace rerank::serve {

class ServerMetrics {
 public:
  // `endpoint` must come from a fixed set (the route patterns, or "other") to keep the
  // label cardinality bounded.
  void record(const std::string& endpoint, int status, double seconds);
  std::string render(const ModelTable& models) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  runtime::Histogram request_seconds_{runtime::Histogram::latency_buckets()};
};

}  // namespace rerank::serve
