// Multi-head self-attention over packed variable-length sequences (no padding): a
// flash-attention-style kernel. One thread block per (query tile of one sequence, head)
// streams the sequence's K/V tiles through shared memory with an online softmax, so memory
// stays O(tile) whatever the length (tested up to 8192) and no [T x T] score matrix exists.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <span>
#include <vector>

#include "engine/device.hpp"

namespace rerank::engine::cuda {

// Queries per thread block.
constexpr int kAttentionQueryTile = 64;
// Largest head dimension the kernels take (BERT-family models use 32, 64 or 128).
constexpr int kAttentionMaxHeadDim = 128;

// One block's work: the sequence and its first query row. Built once per batch on the host.
struct AttentionTile {
  std::int32_t sequence;
  std::int32_t first_query;
};

// Tiles of every sequence, longest sequences first so the long blocks start early and the
// short ones fill the tail.
std::vector<AttentionTile> make_attention_tiles(std::span<const std::int32_t> seq_starts);

struct AttentionArgs {
  const void* qkv = nullptr;              // [tokens x 3*hidden]: Q | K | V, heads contiguous in each
  void* out = nullptr;                    // [tokens x hidden]
  bool qkv_bf16 = false;                  // element types (fp32 otherwise); the fp32 kernel takes fp32 only
  bool out_bf16 = false;
  const std::int32_t* seq_starts = nullptr;  // device, num_sequences + 1
  const AttentionTile* tiles = nullptr;   // device
  std::int32_t num_tiles = 0;
  std::int32_t hidden = 0;
  std::int32_t num_heads = 0;
};

// The attention kernels. Session::attention reaches them only through select_attention_kernel
// and launch_attention below, the one place that decides which kernel runs.
enum class AttentionKernel {
  F32,   // fp32 throughout (the parity path): accurate expf, fp32 dot products
  Wmma,  // tensor cores (wmma): Q, K, V and the probabilities rounded to bf16, scores,
         // softmax statistics and the output accumulated in fp32; any head dim up to 128
  Mma,   // the same arithmetic with FlashAttention-2's register-resident structure
         // (mma.sync), several times faster; head dims 17-128
};

const char* attention_kernel_name(AttentionKernel kernel);  // "f32", "wmma", "mma"

// bf16: the Q|K|V came from bf16 GEMMs or an operand is bf16 (rounding them to bf16 again
// loses little); else fp32. Error(NotSupported) for head dims above kAttentionMaxHeadDim.
AttentionKernel select_attention_kernel(bool bf16, std::int64_t head_dim, CudaAttentionKernel choice);

// Enqueues `kernel` on `stream` (the output is written as args.out_bf16 says).
void launch_attention(AttentionKernel kernel, const AttentionArgs& args, cudaStream_t stream);

// The per-kernel launchers (attention_f32.cu, attention_bf16.cu, attention_mma.cu).
void launch_attention_f32(const AttentionArgs& args, cudaStream_t stream);
void launch_attention_wmma(const AttentionArgs& args, cudaStream_t stream);
void launch_attention_mma(const AttentionArgs& args, cudaStream_t stream);

}  // namespace rerank::engine::cuda
