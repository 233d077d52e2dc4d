// One worker's CUDA state: a stream (every op is enqueued on it, so a session's work is
// ordered without host synchronisation until to_host), a device arena for the matrices of a
// forward pass, a pinned-host arena for the copies, the cuBLASLt plans, and the per-batch
// attention metadata (uploaded once per forward pass, reused by every layer).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <span>
#include <vector>

#include "engine/cuda/attention.hpp"
#include "engine/cuda/cublaslt_gemm.hpp"
#include "engine/cuda/cuda_memory.hpp"
#include "engine/cuda/op_profiler.hpp"
#include "engine/device.hpp"

namespace rerank::engine::cuda {

class CudaSession final : public Session {
 public:
  explicit CudaSession(int device);
  ~CudaSession() override;

  void begin() override;
  Matrix alloc(std::int64_t rows, std::int64_t cols) override;
  // bf16 for bf16 readers (unless RERANK_CUDA_FP32_ACTIVATIONS=1, a diagnostic switch).
  Matrix alloc_scratch(std::int64_t rows, std::int64_t cols, Precision reader) override;
  void embed(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
             const DeviceBuffer* token_type, Matrix& out) override;
  void linear(const Matrix& x, const LinearWeights& w, Matrix& y, const LinearEpilogue& epilogue) override;
  void layer_norm(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer& beta, float eps) override;
  void activation(Matrix& x, Activation act) override;
  void attention(const Matrix& qkv, std::span<const std::int32_t> seq_starts, std::int64_t num_heads,
                 Matrix& out) override;
  std::string_view last_attention_kernel() const override { return last_attention_kernel_; }
  void gather_rows(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) override;
  void to_host(const Matrix& x, float* dst) override;

  // Device bytes this session holds (arena + bf16 staging + cuBLASLt workspace).
  std::size_t device_bytes() const;

 private:
  void activate() const;  // makes this session's GPU current on the calling thread
  Matrix allocate(std::int64_t rows, std::int64_t cols, Storage storage);  // from the pass's arena
  // Copies `values` to device memory from the pass's arena, through pinned memory.
  const std::int32_t* upload_ints(std::span<const std::int32_t> values);
  // The bf16 copy of fp32 matrix x for a bf16 GEMM: the shadow when it is x's, else
  // converted now (and then the shadow).
  const void* bf16_input(const Matrix& x);
  void* shadow_buffer(std::size_t elements);
  // An op wrote `m`: a shadow of it is stale.
  void wrote(const Matrix& m) {
    if (m.data == shadow_of_) shadow_of_ = nullptr;
  }

  int device_;
  cudaStream_t stream_ = nullptr;
  CudaArena arena_{MemoryKind::Device};
  CudaArena staging_{MemoryKind::PinnedHost};
  // A bf16 copy of one fp32 matrix (shadow_of_), the input of bf16 GEMMs: written by the
  // layer norm that produced it when bf16 GEMMs follow, else converted on demand. Reused
  // (stream order keeps it safe).
  Allocation bf16_shadow_;
  const float* shadow_of_ = nullptr;
  bool bf16_readers_ = false;  // bf16 GEMMs have run: layer norms write the shadow
  bool bf16_scratch_ = true;   // alloc_scratch gives bf16 to bf16 readers
  // RERANK_CUDA_ATTENTION=wmma: the first tensor-core kernel instead of the mma.sync one
  // (a diagnostic switch; both are tested).
  bool wmma_attention_ = false;
  const char* last_attention_kernel_ = "";
  GemmRunner gemm_;
  OpProfiler profile_;

  // Precision of the last linear layer run: attention uses bf16 tensor cores when its Q/K/V
  // came from a bf16 GEMM (rounding them to bf16 again loses little), fp32 otherwise.
  Precision last_linear_precision_ = Precision::F32;

  // Attention metadata of the current pass (valid until begin()).
  std::vector<std::int32_t> attn_starts_host_;
  const std::int32_t* attn_starts_ = nullptr;
  const AttentionTile* attn_tiles_ = nullptr;
  std::int32_t attn_num_tiles_ = 0;
};

}  // namespace rerank::engine::cuda
