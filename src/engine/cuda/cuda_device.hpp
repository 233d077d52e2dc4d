// The CUDA backend's entry point. Deliberately free of CUDA headers: engine/device.cpp
// includes it (only in builds with RERANK_CUDA) to dispatch "cuda[:N]".
#pragma once

#include <memory>
#include <string>

#include "engine/device.hpp"

namespace rerank::engine::cuda {

// `spec` is "cuda" (device 0) or "cuda:N". Error(InvalidArgument) for a malformed spec;
// Error(NotSupported) when no CUDA device (or driver) is present, N does not exist, or the
// GPU cannot run this build's kernels (built for sm_90 only by default).
std::unique_ptr<Device> make_cuda_device(const std::string& spec);

}  // namespace rerank::engine::cuda
