// The fp32 attention kernel. Block = 256 threads seen as a 16 x 16 grid (ty, tx); a block
// owns 64 queries of one head. For each 64-key tile, thread (ty, tx) computes the scores of
// queries ty + 16i and keys tx + 16j (i, j < 4), the 16 threads of a query row (one half
// warp) reduce its max and sum with shuffles, and then the same thread accumulates output
// columns tx + 16c of its 4 queries. Shared rows are padded by one float so the column
// reads hit distinct banks. Exact expf: this is the path that must match the CPU.
#include <cmath>

#include "engine/cuda/attention.hpp"
#include "engine/cuda/attention_common.cuh"
#include "engine/cuda/cuda_check.hpp"

namespace rerank::engine::cuda {

namespace {

constexpr int kBq = kAttentionQueryTile;
constexpr int kBk = 64;
constexpr int kThreads = 256;
constexpr int kRowsPerThread = kBq / 16;  // 4
constexpr int kKeysPerThread = kBk / 16;  // 4
constexpr int kLdP = kBk + 1;

template <int D>
constexpr std::size_t shared_bytes() {
  return sizeof(float) * (static_cast<std::size_t>(kBq) * (D + 1) + static_cast<std::size_t>(kBk) * (D + 1) +
                          static_cast<std::size_t>(kBq) * kLdP);
}

__device__ __forceinline__ float half_warp_max(float v) {
  for (int offset = 8; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

__device__ __forceinline__ float half_warp_sum(float v) {
  for (int offset = 8; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Loads rows [first, first + 64) of one head's slice (columns [col, col + d)) into a
// [64 x (D+1)] shared tile; rows past the sequence and columns past d become 0.
template <int D>
__device__ __forceinline__ void load_tile(float* dst, const float* base, std::int64_t ld, int first, int len,
                                          int d) {
  constexpr int kLd = D + 1;
  for (int i = threadIdx.x; i < 64 * D; i += kThreads) {
    const int r = i / D;
    const int c = i % D;
    float v = 0.0f;
    if (first + r < len && c < d) v = base[static_cast<std::int64_t>(first + r) * ld + c];
    dst[r * kLd + c] = v;
  }
}

template <int D>
__global__ void __launch_bounds__(kThreads) attention_f32_kernel(AttentionArgs a) {
  constexpr int kLd = D + 1;
  constexpr int kCols = D / 16;  // output columns per thread
  extern __shared__ float smem[];
  float* s_q = smem;
  float* s_kv = s_q + kBq * kLd;
  float* s_p = s_kv + kBk * kLd;

  const AttentionBlock blk = attention_block(a);
  const int head = blk.head, seq_begin = blk.seq_begin, len = blk.len, q0 = blk.q0, d = blk.d;
  const std::int64_t ld = blk.ld;
  const float* q_base = blk.q<float>(a);
  const float* k_base = q_base + a.hidden;
  const float* v_base = q_base + 2 * static_cast<std::int64_t>(a.hidden);
  const float scale = 1.0f / sqrtf(static_cast<float>(d));
  const int tx = threadIdx.x % 16;
  const int ty = threadIdx.x / 16;

  load_tile<D>(s_q, q_base, ld, q0, len, d);

  float o[kRowsPerThread][kCols];
  float m[kRowsPerThread];
  float l[kRowsPerThread];
#pragma unroll
  for (int i = 0; i < kRowsPerThread; ++i) {
    m[i] = -INFINITY;
    l[i] = 0.0f;
#pragma unroll
    for (int c = 0; c < kCols; ++c) o[i][c] = 0.0f;
  }

  for (int k0 = 0; k0 < len; k0 += kBk) {
    __syncthreads();  // the previous tile's V and P reads are finished (and Q is loaded)
    load_tile<D>(s_kv, k_base, ld, k0, len, d);
    __syncthreads();

    float s[kRowsPerThread][kKeysPerThread];
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i)
#pragma unroll
      for (int j = 0; j < kKeysPerThread; ++j) s[i][j] = 0.0f;
#pragma unroll 8
    for (int c = 0; c < D; ++c) {
      float qv[kRowsPerThread], kv[kKeysPerThread];
#pragma unroll
      for (int i = 0; i < kRowsPerThread; ++i) qv[i] = s_q[(ty + 16 * i) * kLd + c];
#pragma unroll
      for (int j = 0; j < kKeysPerThread; ++j) kv[j] = s_kv[(tx + 16 * j) * kLd + c];
#pragma unroll
      for (int i = 0; i < kRowsPerThread; ++i)
#pragma unroll
        for (int j = 0; j < kKeysPerThread; ++j) s[i][j] = fmaf(qv[i], kv[j], s[i][j]);
    }

    // Online softmax: every tile holds at least one real key (k0 < len), so the running max
    // is finite after the first tile and exp(-inf - m) = 0 masks the keys past the end.
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i) {
      float tile_max = -INFINITY;
#pragma unroll
      for (int j = 0; j < kKeysPerThread; ++j) {
        s[i][j] = (k0 + tx + 16 * j < len) ? s[i][j] * scale : -INFINITY;
        tile_max = fmaxf(tile_max, s[i][j]);
      }
      tile_max = half_warp_max(tile_max);
      const float m_new = fmaxf(m[i], tile_max);
      const float alpha = expf(m[i] - m_new);
      float sum = 0.0f;
#pragma unroll
      for (int j = 0; j < kKeysPerThread; ++j) {
        const float p = expf(s[i][j] - m_new);
        s_p[(ty + 16 * i) * kLdP + tx + 16 * j] = p;
        sum += p;
      }
      sum = half_warp_sum(sum);
      l[i] = l[i] * alpha + sum;
      m[i] = m_new;
#pragma unroll
      for (int c = 0; c < kCols; ++c) o[i][c] *= alpha;
    }
    __syncthreads();  // scores are in s_p and nobody reads K any more
    load_tile<D>(s_kv, v_base, ld, k0, len, d);
    __syncthreads();

    const int keys = min(kBk, len - k0);
    for (int k = 0; k < keys; ++k) {
      float pv[kRowsPerThread], vv[kCols];
#pragma unroll
      for (int i = 0; i < kRowsPerThread; ++i) pv[i] = s_p[(ty + 16 * i) * kLdP + k];
#pragma unroll
      for (int c = 0; c < kCols; ++c) vv[c] = s_kv[k * kLd + tx + 16 * c];
#pragma unroll
      for (int i = 0; i < kRowsPerThread; ++i)
#pragma unroll
        for (int c = 0; c < kCols; ++c) o[i][c] = fmaf(pv[i], vv[c], o[i][c]);
    }
  }

#pragma unroll
  for (int i = 0; i < kRowsPerThread; ++i) {
    const int r = q0 + ty + 16 * i;
    if (r >= len) continue;
    const float inv = 1.0f / l[i];
    float* dst = static_cast<float*>(a.out) + static_cast<std::int64_t>(seq_begin + r) * a.hidden +
                 static_cast<std::int64_t>(head) * d;
#pragma unroll
    for (int c = 0; c < kCols; ++c) {
      const int col = tx + 16 * c;
      if (col < d) dst[col] = o[i][c] * inv;
    }
  }
}

template <int D>
void launch(const AttentionArgs& args, cudaStream_t stream) {
  constexpr std::size_t bytes = shared_bytes<D>();
  // Above 48 KiB a kernel must opt in to more shared memory (H100: up to 227 KiB per block).
  RERANK_CUDA_CHECK(cudaFuncSetAttribute(attention_f32_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(bytes)));
  const dim3 grid(static_cast<unsigned>(args.num_tiles), static_cast<unsigned>(args.num_heads));
  attention_f32_kernel<D><<<grid, kThreads, bytes, stream>>>(args);
  RERANK_CUDA_CHECK_LAUNCH("attention_f32");
}

}  // namespace

void launch_attention_f32(const AttentionArgs& args, cudaStream_t stream) {
  if (args.qkv_bf16 || args.out_bf16)
    throw Error(ErrorCode::Internal, "the fp32 attention kernel takes fp32 matrices");
  if (args.num_tiles <= 0 || args.num_heads <= 0) return;
  with_head_dim(args.hidden / args.num_heads, [&](auto d) { launch<decltype(d)::value>(args, stream); });
}

}  // namespace rerank::engine::cuda
