// CUDA and cuBLAS status codes become rerank::Error(ErrorCode::Backend) at the call site,
// with the library's own error string, the failing call and where it was made: a GPU
// failure (out of memory, a lost device, a bad launch) never aborts the process.
// Internal to src/engine/cuda/: models and rankers never include CUDA headers.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

#include "rerank/error.hpp"

namespace rerank::engine::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t status, const char* what, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* what, const char* file, int line);

}  // namespace rerank::engine::cuda

#define RERANK_CUDA_CHECK(expr)                                                              \
  do {                                                                                       \
    const cudaError_t rerank_cuda_status_ = (expr);                                          \
    if (rerank_cuda_status_ != cudaSuccess) {                                                \
      ::rerank::engine::cuda::throw_cuda_error(rerank_cuda_status_, #expr, __FILE__, __LINE__); \
    }                                                                                        \
  } while (0)

#define RERANK_CUBLAS_CHECK(expr)                                                              \
  do {                                                                                         \
    const cublasStatus_t rerank_cublas_status_ = (expr);                                       \
    if (rerank_cublas_status_ != CUBLAS_STATUS_SUCCESS) {                                      \
      ::rerank::engine::cuda::throw_cublas_error(rerank_cublas_status_, #expr, __FILE__, __LINE__); \
    }                                                                                          \
  } while (0)

// After a kernel launch: launch-configuration errors are reported by cudaGetLastError.
#define RERANK_CUDA_CHECK_LAUNCH(name) RERANK_CUDA_CHECK(cudaGetLastError())
