// Linear layers on cuBLASLt. Weights are uploaded once in the precision asked for (fp32 for
// the parity path, bf16 for speed) and stay in PyTorch's [out x in] row-major layout, which
// is cuBLAS's column-major [in x out]: y^T = W * x^T needs no transposed copy. Plans
// (descriptors + the heuristic's algorithm) are cached per GEMM shape by each session.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "engine/cuda/cuda_memory.hpp"
#include "engine/types.hpp"

namespace rerank::engine::cuda {

class CudaLinear final : public LinearWeights {
 public:
  // Uploads on the current device; Error(NotSupported) for int8.
  CudaLinear(const std::vector<float>& weight, const std::vector<float>& bias, std::int64_t out, std::int64_t in,
             Precision precision);
  std::int64_t in_features() const override { return in_; }
  std::int64_t out_features() const override { return out_; }
  Precision precision() const override { return precision_; }
  const void* weight() const { return weight_.get(); }  // fp32 or bf16 [out x in]
  const float* bias() const { return static_cast<const float*>(bias_.get()); }  // null when none
  // The bias rounded to bf16 (bf16 weights only): cuBLASLt's bias epilogue takes the output's
  // type, so a GEMM writing bf16 adds this one.
  const void* bias_bf16() const { return bias_bf16_.get(); }
  std::size_t bytes() const { return weight_.size() + bias_.size() + bias_bf16_.size(); }

 private:
  std::int64_t in_ = 0, out_ = 0;
  Precision precision_ = Precision::F32;
  Allocation weight_, bias_, bias_bf16_;
};

// One session's cuBLASLt handle, workspace and plan cache. Not thread-safe (like Session).
class GemmRunner {
 public:
  GemmRunner();
  ~GemmRunner();
  GemmRunner(const GemmRunner&) = delete;
  GemmRunner& operator=(const GemmRunner&) = delete;

  // y[rows x out] = x[rows x in] W^T + bias (+ y when accumulate). `x` is fp32 for fp32
  // weights and bf16 for bf16 weights; `y` is fp32, or bf16 when y_bf16 (bf16 weights, no
  // accumulate). Enqueued on `stream`.
  void run(const void* x, const CudaLinear& w, void* y, bool y_bf16, std::int64_t rows, bool accumulate,
           cudaStream_t stream);

 private:
  struct Plan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulAlgo_t algo{};
  };
  // rows, in, out, precision, accumulate, bias, bf16 output
  using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, int, bool, bool, bool>;
  Plan& plan(const Key& key, const CudaLinear& w);
  static void destroy(Plan& p) noexcept;

  cublasLtHandle_t handle_ = nullptr;
  Allocation workspace_;
  std::map<Key, Plan> plans_;
};

// Best GFLOP/s over a few runs of an n x n x n cuBLASLt GEMM on the current device: fp32
// (TF32 off) or bf16 inputs with bf16 output and fp32 accumulation.
double measure_cublaslt_peak_gflops(Precision precision, std::int64_t n);

}  // namespace rerank::engine::cuda
