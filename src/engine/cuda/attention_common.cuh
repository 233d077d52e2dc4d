// What the attention kernels (attention_f32.cu, attention_bf16.cu, attention_mma.cu) share:
// which sequence, head and queries a block owns, staging a head's slice of Q, K or V into
// shared memory as bf16, storing fp32 or bf16 outputs, and picking the kernel instance for
// the matrices' element types.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>
#include <type_traits>

#include "engine/cuda/attention.hpp"
#include "rerank/error.hpp"

// bf16 tensor cores (wmma and mma.sync on bf16) and cp.async exist from sm_80 (A100) on.
// The default build also targets sm_75 (T4): there the bf16 kernels compile to a trap, and
// the host never launches one (cuda_precision_unsupported refuses bf16 below sm_80).
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#define RERANK_CUDA_BF16_TENSOR_CORES 0
#else
#define RERANK_CUDA_BF16_TENSOR_CORES 1
#endif

namespace rerank::engine::cuda {

// The block's work: one head of one sequence, queries from q0. Q|K|V rows are 3*hidden wide;
// the head's Q slice starts at q(), its K and V slices hidden and 2*hidden further.
struct AttentionBlock {
  int head, seq_begin, len, q0, d;
  std::int64_t ld;
  template <typename In>
  __device__ const In* q(const AttentionArgs& a) const {
    return static_cast<const In*>(a.qkv) + static_cast<std::int64_t>(seq_begin) * ld +
           static_cast<std::int64_t>(head) * d;
  }
};

__device__ __forceinline__ AttentionBlock attention_block(const AttentionArgs& a) {
  const AttentionTile tile = a.tiles[blockIdx.x];
  AttentionBlock b;
  b.head = blockIdx.y;
  b.seq_begin = a.seq_starts[tile.sequence];
  b.len = a.seq_starts[tile.sequence + 1] - b.seq_begin;
  b.q0 = tile.first_query;
  b.d = a.hidden / a.num_heads;
  b.ld = 3 * static_cast<std::int64_t>(a.hidden);
  return b;
}

__device__ __forceinline__ void attention_store(float* p, float v) { *p = v; }
__device__ __forceinline__ void attention_store(__nv_bfloat16* p, float v) { *p = __float2bfloat16_rn(v); }

__device__ __forceinline__ float attention_to_float(float v) { return v; }
__device__ __forceinline__ float attention_to_float(__nv_bfloat16 v) { return __bfloat162float(v); }

// Rows [first, first + kRows) of one head's slice (fp32 or bf16 elements, row stride ld) ->
// bf16 shared tile with row stride kLd; rows past the sequence and columns past d become 0.
// `vector`: d == D and every row start is 16-byte aligned, so whole 16-byte chunks are
// copied (bf16) or converted (fp32).
template <int D, int kLd, int kRows, int kThreads, typename In>
__device__ __forceinline__ void load_attention_tile(__nv_bfloat16* dst, const In* base, std::int64_t ld,
                                                    int first, int len, int d, bool vector) {
  constexpr int kChunk = 16 / sizeof(In);  // elements per 16-byte load
  if constexpr (D % kChunk == 0) {
    if (vector) {
      constexpr int kChunksPerRow = D / kChunk;
      for (int i = threadIdx.x; i < kRows * kChunksPerRow; i += kThreads) {
        const int r = i / kChunksPerRow;
        const int c = (i % kChunksPerRow) * kChunk;
        __nv_bfloat16* out = dst + r * kLd + c;
        if (first + r < len) {
          const int4 raw =
              *reinterpret_cast<const int4*>(base + static_cast<std::int64_t>(first + r) * ld + c);
          if constexpr (sizeof(In) == 2) {
            *reinterpret_cast<int4*>(out) = raw;  // kLd is a multiple of 8: aligned too
          } else {
            const float4 v = *reinterpret_cast<const float4*>(&raw);
            *reinterpret_cast<__nv_bfloat162*>(out) = __floats2bfloat162_rn(v.x, v.y);
            *reinterpret_cast<__nv_bfloat162*>(out + 2) = __floats2bfloat162_rn(v.z, v.w);
          }
        } else {
          for (int k = 0; k < kChunk; ++k) out[k] = __float2bfloat16_rn(0.0f);
        }
      }
      return;
    }
  }
  for (int i = threadIdx.x; i < kRows * D; i += kThreads) {
    const int r = i / D;
    const int c = i % D;
    float v = 0.0f;
    if (first + r < len && c < d) v = attention_to_float(base[static_cast<std::int64_t>(first + r) * ld + c]);
    dst[r * kLd + c] = __float2bfloat16_rn(v);
  }
}

// Whether load_attention_tile may take its vector path for this call.
template <int D, typename In>
__device__ __forceinline__ bool attention_vector_loads(const void* qkv, int hidden, int d) {
  constexpr int kChunk = 16 / sizeof(In);
  return d == D && hidden % kChunk == 0 && reinterpret_cast<std::uintptr_t>(qkv) % 16 == 0;
}

// Calls f(In{}, Out{}) with the element types args says (float or __nv_bfloat16), so a
// launcher instantiates its kernel for the four combinations in one place.
template <typename F>
void with_attention_types(const AttentionArgs& args, F&& f) {
  if (args.qkv_bf16) {
    if (args.out_bf16) {
      f(__nv_bfloat16{}, __nv_bfloat16{});
    } else {
      f(__nv_bfloat16{}, float{});
    }
  } else if (args.out_bf16) {
    f(float{}, __nv_bfloat16{});
  } else {
    f(float{}, float{});
  }
}

// Calls f(std::integral_constant<int, D>{}) with the smallest kernel instance D of 16, 32,
// 64 and 128 that holds head dim d: the one head-dim dispatch every launcher uses.
template <typename F>
void with_head_dim(int d, F&& f) {
  if (d <= 16) {
    f(std::integral_constant<int, 16>{});
  } else if (d <= 32) {
    f(std::integral_constant<int, 32>{});
  } else if (d <= 64) {
    f(std::integral_constant<int, 64>{});
  } else if (d <= kAttentionMaxHeadDim) {
    f(std::integral_constant<int, 128>{});
  } else {
    throw Error(ErrorCode::NotSupported,
                "CUDA attention supports head dimensions up to 128, not " + std::to_string(d));
  }
}

}  // namespace rerank::engine::cuda
