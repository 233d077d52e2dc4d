// Staging one head's slice of Q, K or V into shared memory as bf16, shared by the tensor-core
// attention kernels (attention_bf16.cu, attention_mma.cu).
#pragma once

#include <cuda_bf16.h>

#include <cstdint>

namespace rerank::engine::cuda {

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

}  // namespace rerank::engine::cuda
