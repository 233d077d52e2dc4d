// Immutable fp32 data in GPU memory (embedding tables, norm parameters), and the checked
// downcasts a session uses on the interface types it is handed.
#pragma once

#include <vector>

#include "engine/cuda/cublaslt_gemm.hpp"
#include "engine/cuda/cuda_memory.hpp"
#include "engine/types.hpp"

namespace rerank::engine::cuda {

class CudaBuffer final : public DeviceBuffer {
 public:
  explicit CudaBuffer(const std::vector<float>& values);  // uploads on the current device
  const float* data() const override { return static_cast<const float*>(memory_.get()); }
  std::size_t size() const override { return size_; }

 private:
  Allocation memory_;
  std::size_t size_ = 0;
};

// Error(Internal) when an object of another backend is passed to a CUDA session.
const CudaBuffer& as_cuda(const DeviceBuffer& b);
const CudaLinear& as_cuda(const LinearWeights& w);

}  // namespace rerank::engine::cuda
