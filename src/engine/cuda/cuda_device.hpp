// The CUDA backend's entry points. Deliberately free of CUDA headers: engine/device_factory.cpp
// includes it (only in builds with RERANK_CUDA) to dispatch "cuda[:N]".
#pragma once

#include <memory>

#include "engine/device.hpp"
#include "engine/device_probe.hpp"

namespace rerank::engine::cuda {

// options.device is "cuda" (device 0) or "cuda:N". Error(InvalidArgument) for a malformed
// name; Error(NotSupported) when no CUDA device (or driver) is present, N does not exist, or
// the GPU cannot run this build's kernels (older than sm_75).
std::unique_ptr<Device> make_cuda_device(const DeviceOptions& options);
std::unique_ptr<DeviceProbe> make_cuda_probe(const DeviceOptions& options);

// The CUDA devices the driver reports (0 without a driver or GPU).
int cuda_device_count();

}  // namespace rerank::engine::cuda
