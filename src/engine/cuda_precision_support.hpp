// Which precisions a GPU runs with this build's CUDA kernels, by compute capability: fp32 on
// every architecture the build targets (sm_75 and up), bf16 from sm_80 (bf16 tensor cores and
// cp.async: A100, A10, L4, H100; the T4's sm_75 has fp16 tensor cores only), int8 nowhere (not
// implemented on CUDA). Host code compiled in every build, so the rule is tested without a GPU;
// the CUDA device applies it before it uploads a weight.
#pragma once

#include <optional>
#include <string>

#include "engine/types.hpp"

namespace rerank::engine {

// Why a GPU of compute capability major.minor cannot run `precision`, or nullopt when it can.
std::optional<std::string> cuda_precision_unsupported(Precision precision, int major, int minor);

}  // namespace rerank::engine
