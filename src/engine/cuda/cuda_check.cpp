#include "engine/cuda/cuda_check.hpp"

#include <cstring>

namespace rerank::engine::cuda {

namespace {
std::string where(const char* file, int line) {
  const char* slash = std::strrchr(file, '/');
  return std::string(slash ? slash + 1 : file) + ":" + std::to_string(line);
}
}  // namespace

void throw_cuda_error(cudaError_t status, const char* what, const char* file, int line) {
  // Clear a non-sticky error so the next call on this thread does not report it again.
  cudaGetLastError();
  std::string msg = std::string("CUDA error ") + cudaGetErrorName(status) + ": " + cudaGetErrorString(status) +
                    " (in " + what + ", " + where(file, line) + ")";
  if (status == cudaErrorMemoryAllocation) {
    msg += "; the GPU is out of memory: lower --max-batch-tokens or use a smaller model/precision";
  }
  throw Error(ErrorCode::Backend, msg);
}

void throw_cublas_error(cublasStatus_t status, const char* what, const char* file, int line) {
  throw Error(ErrorCode::Backend, std::string("cuBLAS error ") + cublasLtGetStatusName(status) + ": " +
                                      cublasLtGetStatusString(status) + " (in " + what + ", " + where(file, line) + ")");
}

}  // namespace rerank::engine::cuda
