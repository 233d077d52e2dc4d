// The CPU backend: oneDNN matmul primitives for the GEMMs (fp32, bf16, u8s8 int8) and the
// SIMD kernels of kernels.hpp for everything else.
#pragma once

#include <memory>

#include "engine/device.hpp"
#include "engine/device_probe.hpp"

namespace rerank::engine::cpu {

// threads <= 0: one per online core.
std::unique_ptr<Device> make_cpu_device(int threads);
std::unique_ptr<DeviceProbe> make_cpu_probe(int threads);

}  // namespace rerank::engine::cpu
