// The device-agnostic engine the models are written against. A Device owns immutable
// weights (shared by every worker); a Session (engine/session.hpp) is one worker's scratch
// state and runs the ops. Models include only this header: the CPU backend (engine/cpu/,
// oneDNN + SIMD kernels) and the CUDA backend (engine/cuda/, cuBLASLt + kernels) implement
// it, so model code never sees dnnl.hpp or cuda_runtime.h. Devices are made by
// engine/device_factory.hpp, the one file that knows which backends exist.
//
// Tensors are row-major matrices in device memory; token ids stay on the host in a
// PackedBatch and each backend moves them as it needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/session.hpp"
#include "engine/types.hpp"

namespace rerank::engine {

// Which tensor-core kernel CUDA bf16 attention runs. Auto: mma.sync (FlashAttention-2's
// structure) for head dims 17-128 and the wmma kernel for narrower heads; Wmma: the wmma
// kernel for every head dim (both are tested; a fallback should mma misbehave on a GPU).
enum class CudaAttentionKernel { Auto, Wmma };

// "auto" | "wmma"; Error(InvalidArgument) otherwise.
CudaAttentionKernel parse_cuda_attention_kernel(std::string_view name);

// Everything that selects a device or changes its numerics. The environment changes neither
// (only profiling, engine/profiling_switch.hpp).
struct DeviceOptions {
  std::string device = "cpu";  // "cpu", "cuda" or "cuda:N"
  int threads = 0;             // CPU threads; 0: one per core
  CudaAttentionKernel cuda_attention = CudaAttentionKernel::Auto;
  // CUDA bf16 models keep their scratch (Q|K|V, context, FFN intermediate) bf16; false keeps
  // it fp32, a diagnostic that separates bf16 storage from bf16 arithmetic.
  bool cuda_bf16_scratch = true;
};

// Thread-safe: every const method may be called concurrently.
class Device {
 public:
  virtual ~Device() = default;
  // weight: [out_features x in_features] row-major (PyTorch's nn.Linear layout); bias: empty or [out].
  // `int8_scales` matters only at Precision::Int8.
  virtual std::unique_ptr<LinearWeights> make_linear(std::vector<float> weight, std::vector<float> bias,
                                                     std::int64_t out_features, std::int64_t in_features,
                                                     Precision precision,
                                                     ActivationScales int8_scales = ActivationScales::PerTensor) const = 0;
  virtual std::unique_ptr<DeviceBuffer> upload(std::vector<float> values) const = 0;
  virtual std::unique_ptr<Session> make_session() const = 0;
  // A session whose forward passes use `threads` CPU threads: one lane of a runtime that runs
  // several forward passes at once, each on its share of the cores (runtime/model_runtime.hpp).
  // Backends without CPU threads make their usual session.
  virtual std::unique_ptr<Session> make_lane_session(int threads) const {
    (void)threads;
    return make_session();
  }
  // One line: backend, ISA, threads and how each precision runs ("bf16: native AVX-512 BF16").
  virtual std::string describe() const = 0;
  virtual int threads() const = 0;
};

}  // namespace rerank::engine
