// Parallel loops on the OpenMP thread pool that oneDNN already runs on (libgomp, found at
// run time), so the SIMD kernels and the GEMMs share one set of threads instead of
// oversubscribing the cores. Without libgomp the loops run on the calling thread.
#pragma once

#include <cstdint>
#include <functional>

namespace rerank::engine::cpu {

// Threads of the next parallel regions started by the calling thread (oneDNN's included).
void set_num_threads(int n);
int max_threads();
// Online cores of this machine.
int hardware_threads();

// fn(begin, end, thread) over [0, n) split into one contiguous range per thread.
void parallel_for(std::int64_t n, const std::function<void(std::int64_t, std::int64_t, int)>& fn);
// fn(i, thread) for every i in [0, n), items handed out one at a time (uneven work).
void parallel_for_dynamic(std::int64_t n, const std::function<void(std::int64_t, int)>& fn);

}  // namespace rerank::engine::cpu
