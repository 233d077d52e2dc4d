// The engine's one environment switch: RERANK_CUDA_PROFILE=1 asks sessions to time their
// ops (engine/cuda/op_profiler.hpp). It changes what is measured, never what is computed;
// every numerics choice is a DeviceOptions field.
#pragma once

namespace rerank::engine {

bool op_profiling_requested();

}  // namespace rerank::engine
