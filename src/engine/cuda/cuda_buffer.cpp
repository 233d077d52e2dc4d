#include "engine/cuda/cuda_buffer.hpp"

#include "engine/cuda/cuda_check.hpp"

namespace rerank::engine::cuda {

CudaBuffer::CudaBuffer(const std::vector<float>& values)
    : memory_(MemoryKind::Device, values.size() * sizeof(float)), size_(values.size()) {
  if (!values.empty()) {
    RERANK_CUDA_CHECK(cudaMemcpy(memory_.get(), values.data(), values.size() * sizeof(float), cudaMemcpyHostToDevice));
  }
}

const CudaBuffer& as_cuda(const DeviceBuffer& b) {
  const auto* p = dynamic_cast<const CudaBuffer*>(&b);
  if (!p) throw Error(ErrorCode::Internal, "a buffer of another device was passed to a CUDA session");
  return *p;
}

const CudaLinear& as_cuda(const LinearWeights& w) {
  const auto* p = dynamic_cast<const CudaLinear*>(&w);
  if (!p) throw Error(ErrorCode::Internal, "linear weights of another device were passed to a CUDA session");
  return *p;
}

}  // namespace rerank::engine::cuda
