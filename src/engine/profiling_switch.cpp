#include "engine/profiling_switch.hpp"

#include "core/environment.hpp"

namespace rerank::engine {

bool op_profiling_requested() { return env_flag("RERANK_CUDA_PROFILE"); }

}  // namespace rerank::engine
