// Measurements and diagnostics of a device, kept out of the op interface: what benchmarks
// print next to their figures (GEMM peak, accelerator memory) and what tests assert about
// kernel selection. Made by engine/device_factory.hpp for the same DeviceOptions as the
// device it describes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/types.hpp"

namespace rerank::engine {

class DeviceProbe {
 public:
  virtual ~DeviceProbe() = default;
  // Measured peak of the device's GEMM at `precision` (GFLOP/s, GOP/s for int8) with its
  // threads, on large square shapes; gemm_peak_method() says which library and shapes.
  virtual double measure_gemm_peak_gflops(Precision precision) const = 0;
  virtual std::string gemm_peak_method() const = 0;
  // Host threads the device computes with (and the peak is measured with): 1 for a GPU.
  virtual int threads() const = 0;
  // Accelerator memory in use by this process (weights, sessions' arenas at their high-water
  // marks, library workspaces); nullopt on the CPU, where resident memory says it.
  virtual std::optional<std::size_t> accelerator_memory_in_use() const { return std::nullopt; }
  // The kernel Session::attention runs at `precision` for this head dimension: "fp32" on
  // the CPU; "f32", "mma" or "wmma" on CUDA.
  virtual std::string attention_kernel(Precision precision, std::int64_t head_dim) const = 0;
};

}  // namespace rerank::engine
