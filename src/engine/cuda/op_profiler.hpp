// Where a CUDA session's GPU time goes, per op kind: with RERANK_CUDA_PROFILE=1 each op is
// bracketed by CUDA events on the session's stream, the times are collected when the pass's
// work is known to be done (begin(), to_host()), and the session prints one table to stderr
// when it is destroyed. Off (the default) it costs one branch per op. A diagnostic for
// tuning (no Nsight needed on the GPU machine), not a metric the server exports.
#pragma once

#include <cuda_runtime.h>

#include <map>
#include <string>
#include <vector>

namespace rerank::engine::cuda {

class OpProfiler {
 public:
  OpProfiler();
  ~OpProfiler();
  OpProfiler(const OpProfiler&) = delete;
  OpProfiler& operator=(const OpProfiler&) = delete;

  bool enabled() const { return enabled_; }
  // Brackets one op on `stream`; `label` names the op kind (and shape, for GEMMs).
  void start(cudaStream_t stream);
  void stop(cudaStream_t stream, std::string label);
  // Adds the elapsed times of the recorded ops; the stream's work must be complete.
  void collect();
  // The table: label, calls, total ms, share of the total.
  std::string report() const;

 private:
  struct Pending {
    cudaEvent_t begin, end;
    std::string label;
  };
  struct Total {
    double ms = 0;
    long calls = 0;
  };
  cudaEvent_t take_event();

  bool enabled_ = false;
  cudaEvent_t open_ = nullptr;
  std::vector<Pending> pending_;
  std::vector<cudaEvent_t> free_events_;
  std::map<std::string, Total> totals_;
};

// RAII bracket: `OpScope scope(profiler, stream, "attention")`.
class OpScope {
 public:
  OpScope(OpProfiler& p, cudaStream_t stream, std::string label)
      : p_(p), stream_(stream), label_(std::move(label)) {
    if (p_.enabled()) p_.start(stream_);
  }
  ~OpScope() {
    if (p_.enabled()) p_.stop(stream_, std::move(label_));
  }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

 private:
  OpProfiler& p_;
  cudaStream_t stream_;
  std::string label_;
};

}  // namespace rerank::engine::cuda
