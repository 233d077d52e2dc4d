// One worker's CUDA state: a stream (every op is enqueued on it, so a session's work is
// ordered without host synchronisation until to_host), a device arena for the matrices of a
// forward pass, a pinned-host arena for the copies, the cuBLASLt plans, and the per-batch
// attention metadata (uploaded once per forward pass, reused by every layer). Nothing else
// carries from one op to the next: each primitive reads its precision from its operands.
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
  CudaSession(int device, const DeviceOptions& options);
  ~CudaSession() override;

  void begin() override;
  Matrix alloc(std::int64_t rows, std::int64_t cols) override;
  // bf16 for bf16 readers (unless options.cuda_bf16_scratch is off, a diagnostic).
  Matrix alloc_scratch(std::int64_t rows, std::int64_t cols, Precision reader) override;
  // bf16 for bf16 GEMMs (cuBLASLt's bf16 GEMM reads bf16 inputs).
  std::optional<Matrix> alloc_input_copy(std::int64_t rows, std::int64_t cols, Precision reader) override;

  // Device bytes this session holds (arena + conversion buffer + cuBLASLt workspace).
  std::size_t device_bytes() const;

 protected:
  void embed_primitive(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
                       const DeviceBuffer* token_type, Matrix& out) override;
  void linear_primitive(const Matrix& x, const LinearWeights& w, Matrix& y, const LinearEpilogue& epilogue) override;
  void feed_forward_primitive(const Matrix& x, const LinearWeights& up, Activation act, const LinearWeights& down,
                              Matrix& intermediate, Matrix& hidden) override;
  void layer_norm_primitive(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer* beta, float eps,
                            Matrix* copy) override;
  void activation_primitive(Matrix& x, Activation act) override;
  // Not implemented on CUDA yet: Error(NotSupported) (the families that need them are CPU-only).
  void rms_norm_primitive(Matrix& x, const DeviceBuffer& gamma, float eps) override;
  void rms_norm_heads_primitive(Matrix& x, std::int64_t first_col, std::int64_t heads, const DeviceBuffer& gamma,
                                float eps) override;
  void gated_activation_primitive(const Matrix& x, Matrix& out, Activation act) override;
  void mean_rows_primitive(const Matrix& x, std::span<const std::int32_t> seq_starts, Matrix& out) override;
  void attention_primitive(const AttentionInputs& in, const AttentionSpec& spec, Matrix& out) override;
  void convert_primitive(const Matrix& x, Matrix& out) override;
  void gather_rows_primitive(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) override;
  void to_host_primitive(const Matrix& x, float* dst) override;

 private:
  void activate() const;  // makes this session's GPU current on the calling thread
  Matrix allocate(std::int64_t rows, std::int64_t cols, Storage storage);  // from the pass's arena
  // Copies `values` to device memory from the pass's arena, through pinned memory.
  const std::int32_t* upload_ints(std::span<const std::int32_t> values);
  // x as the bf16 input of a bf16 GEMM: x itself when bf16, else converted now into the
  // conversion buffer (rewritten by the next conversion; stream order keeps that safe).
  const void* bf16_input(const Matrix& x);

  int device_;
  DeviceOptions options_;
  cudaStream_t stream_ = nullptr;
  CudaArena arena_{MemoryKind::Device};
  CudaArena staging_{MemoryKind::PinnedHost};
  Allocation conversion_;
  GemmRunner gemm_;
  OpProfiler profile_;

  // Attention metadata of the current pass (valid until begin()).
  std::vector<std::int32_t> attn_starts_host_;
  const std::int32_t* attn_starts_ = nullptr;
  const AttentionTile* attn_tiles_ = nullptr;
  std::int32_t attn_num_tiles_ = 0;
};

}  // namespace rerank::engine::cuda
