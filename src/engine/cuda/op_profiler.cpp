#include "engine/cuda/op_profiler.hpp"

#include "engine/profiling_switch.hpp"

#include <cstdio>
#include <cstring>

namespace rerank::engine::cuda {

OpProfiler::OpProfiler() : enabled_(op_profiling_requested()) {}

OpProfiler::~OpProfiler() {
  for (auto& p : pending_) {
    cudaEventDestroy(p.begin);
    cudaEventDestroy(p.end);
  }
  if (open_) cudaEventDestroy(open_);
  for (cudaEvent_t e : free_events_) cudaEventDestroy(e);
}

cudaEvent_t OpProfiler::take_event() {
  if (!free_events_.empty()) {
    cudaEvent_t e = free_events_.back();
    free_events_.pop_back();
    return e;
  }
  cudaEvent_t e = nullptr;
  if (cudaEventCreate(&e) != cudaSuccess) {
    enabled_ = false;  // a diagnostic never fails the pass
    return nullptr;
  }
  return e;
}

void OpProfiler::start(cudaStream_t stream) {
  open_ = take_event();
  if (open_) cudaEventRecord(open_, stream);
}

void OpProfiler::stop(cudaStream_t stream, std::string label) {
  if (!open_) return;
  cudaEvent_t end = take_event();
  if (!end) return;
  cudaEventRecord(end, stream);
  pending_.push_back({open_, end, std::move(label)});
  open_ = nullptr;
}

void OpProfiler::collect() {
  for (auto& p : pending_) {
    float ms = 0;
    if (cudaEventElapsedTime(&ms, p.begin, p.end) == cudaSuccess) {
      Total& t = totals_[p.label];
      t.ms += ms;
      ++t.calls;
    }
    free_events_.push_back(p.begin);
    free_events_.push_back(p.end);
  }
  pending_.clear();
}

std::string OpProfiler::report() const {
  double all = 0;
  for (const auto& [label, t] : totals_) all += t.ms;
  std::string out = "rerank CUDA op profile (RERANK_CUDA_PROFILE): op, calls, total ms, share\n";
  char line[256];
  for (const auto& [label, t] : totals_) {
    std::snprintf(line, sizeof line, "  %-40s %8ld %10.2f %6.1f%%\n", label.c_str(), t.calls, t.ms,
                  all > 0 ? 100.0 * t.ms / all : 0.0);
    out += line;
  }
  std::snprintf(line, sizeof line, "  %-40s %8s %10.2f\n", "total", "", all);
  return out + line;
}

}  // namespace rerank::engine::cuda
