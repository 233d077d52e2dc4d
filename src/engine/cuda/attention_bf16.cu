// The tensor-core attention kernel (bf16 models). Block = 4 warps and 64 queries of one
// head; warp w owns queries 16w..16w+15 and works alone on them after the block has staged
// a 64-key K and V tile in shared memory as bf16:
//   S = Q K^T (wmma 16x16x16, fp32 accumulate) -> shared fp32 scores;
//   online softmax on its 16 rows (two lanes per row, 32 keys each) -> bf16 P, and the
//   running output rows in shared memory are rescaled by exp(m_old - m_new);
//   O += P V (wmma, accumulators loaded from and stored back to shared memory, so the row
//   rescaling never depends on the opaque fragment layout).
// The output stays fp32 like every matrix of the op layer.
#include <cuda_bf16.h>
#include <mma.h>

#include <cmath>

#include "engine/cuda/attention.hpp"
#include "engine/cuda/attention_common.cuh"
#include "engine/cuda/cuda_check.hpp"

namespace rerank::engine::cuda {

namespace {

using namespace nvcuda;

constexpr int kBq = kAttentionQueryTile;  // 64
constexpr int kBk = 64;
constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;

// Padded leading dimensions: multiples of 8 (bf16) / 4 (fp32) as wmma requires, and not
// multiples of 64 elements so rows fall on different banks.
template <int D>
struct Layout {
  static constexpr int kLdQ = D + 8;    // bf16: Q, K, V tiles
  static constexpr int kLdS = kBk + 4;  // fp32 scores
  static constexpr int kLdP = kBk + 8;  // bf16 probabilities
  static constexpr int kLdO = D + 4;    // fp32 output accumulators
  static constexpr std::size_t align(std::size_t b) { return (b + 127) / 128 * 128; }
  static constexpr std::size_t q_bytes = align(sizeof(__nv_bfloat16) * kBq * kLdQ);
  static constexpr std::size_t kv_bytes = align(sizeof(__nv_bfloat16) * kBk * kLdQ);
  static constexpr std::size_t s_bytes = align(sizeof(float) * kBq * kLdS);
  static constexpr std::size_t p_bytes = align(sizeof(__nv_bfloat16) * kBq * kLdP);
  static constexpr std::size_t o_bytes = align(sizeof(float) * kBq * kLdO);
  static constexpr std::size_t total = q_bytes + 2 * kv_bytes + s_bytes + p_bytes + o_bytes;
};

template <int D, typename In, typename Out>
__global__ void __launch_bounds__(kThreads) attention_bf16_kernel(AttentionArgs a) {
#if RERANK_CUDA_BF16_TENSOR_CORES
  using L = Layout<D>;
  extern __shared__ __align__(128) unsigned char smem[];
  auto* s_q = reinterpret_cast<__nv_bfloat16*>(smem);
  auto* s_k = reinterpret_cast<__nv_bfloat16*>(smem + L::q_bytes);
  auto* s_v = reinterpret_cast<__nv_bfloat16*>(smem + L::q_bytes + L::kv_bytes);
  auto* s_s = reinterpret_cast<float*>(smem + L::q_bytes + 2 * L::kv_bytes);
  auto* s_p = reinterpret_cast<__nv_bfloat16*>(smem + L::q_bytes + 2 * L::kv_bytes + L::s_bytes);
  auto* s_o = reinterpret_cast<float*>(smem + L::q_bytes + 2 * L::kv_bytes + L::s_bytes + L::p_bytes);

  const AttentionBlock blk = attention_block(a);
  const int head = blk.head, seq_begin = blk.seq_begin, len = blk.len, q0 = blk.q0, d = blk.d;
  const std::int64_t ld = blk.ld;
  const In* q_base = blk.q<In>(a);
  const In* k_base = q_base + a.hidden;
  const In* v_base = q_base + 2 * static_cast<std::int64_t>(a.hidden);
  const bool vector = attention_vector_loads<D, In>(a.qkv, a.hidden, d);
  const float scale = 1.0f / sqrtf(static_cast<float>(d));
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int row0 = warp * 16;          // this warp's first query row in the tile
  const int my_row = row0 + lane / 2;  // the softmax row of this lane
  const int half = lane % 2;           // which half of the row's keys / columns

  load_attention_tile<D, L::kLdQ, 64, kThreads>(s_q, q_base, ld, q0, len, d, vector);
  for (int i = threadIdx.x; i < kBq * L::kLdO; i += kThreads) s_o[i] = 0.0f;

  float m = -INFINITY;  // running max and sum of my_row (the lane pair holds the same values)
  float l = 0.0f;

  for (int k0 = 0; k0 < len; k0 += kBk) {
    __syncthreads();  // previous K/V tiles no longer read; Q and O are initialised
    load_attention_tile<D, L::kLdQ, 64, kThreads>(s_k, k_base, ld, k0, len, d, vector);
    load_attention_tile<D, L::kLdQ, 64, kThreads>(s_v, v_base, ld, k0, len, d, vector);
    __syncthreads();

    // S[16 x 64] = Q[16 x D] K^T.
#pragma unroll
    for (int n = 0; n < kBk / 16; ++n) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::fill_fragment(acc, 0.0f);
#pragma unroll
      for (int kk = 0; kk < D; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> qa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> kb;
        wmma::load_matrix_sync(qa, s_q + row0 * L::kLdQ + kk, L::kLdQ);
        wmma::load_matrix_sync(kb, s_k + n * 16 * L::kLdQ + kk, L::kLdQ);
        wmma::mma_sync(acc, qa, kb, acc);
      }
      wmma::store_matrix_sync(s_s + row0 * L::kLdS + n * 16, acc, L::kLdS, wmma::mem_row_major);
    }
    __syncwarp();

    // Online softmax of my_row over this tile's keys [half*32, half*32 + 32).
    {
      const float* srow = s_s + my_row * L::kLdS + half * 32;
      float tile_max = -INFINITY;
#pragma unroll 8
      for (int j = 0; j < 32; ++j) {
        const bool valid = k0 + half * 32 + j < len;
        tile_max = fmaxf(tile_max, valid ? srow[j] * scale : -INFINITY);
      }
      tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
      const float m_new = fmaxf(m, tile_max);  // finite: every tile has a key (k0 < len)
      const float alpha = __expf(m - m_new);
      float sum = 0.0f;
      __nv_bfloat16* prow = s_p + my_row * L::kLdP + half * 32;
#pragma unroll 8
      for (int j = 0; j < 32; ++j) {
        const bool valid = k0 + half * 32 + j < len;
        const float p = valid ? __expf(srow[j] * scale - m_new) : 0.0f;
        const __nv_bfloat16 pb = __float2bfloat16_rn(p);
        prow[j] = pb;
        sum += __bfloat162float(pb);  // the normaliser sums exactly what P V multiplies
      }
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      l = l * alpha + sum;
      m = m_new;
      float* orow = s_o + my_row * L::kLdO + half * (D / 2);
#pragma unroll
      for (int c = 0; c < D / 2; ++c) orow[c] *= alpha;
    }
    __syncwarp();

    // O[16 x D] += P[16 x 64] V[64 x D].
#pragma unroll
    for (int n = 0; n < D / 16; ++n) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::load_matrix_sync(acc, s_o + row0 * L::kLdO + n * 16, L::kLdO, wmma::mem_row_major);
#pragma unroll
      for (int kk = 0; kk < kBk; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> pa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::row_major> vb;
        wmma::load_matrix_sync(pa, s_p + row0 * L::kLdP + kk, L::kLdP);
        wmma::load_matrix_sync(vb, s_v + kk * L::kLdQ + n * 16, L::kLdQ);
        wmma::mma_sync(acc, pa, vb, acc);
      }
      wmma::store_matrix_sync(s_o + row0 * L::kLdO + n * 16, acc, L::kLdO, wmma::mem_row_major);
    }
    __syncwarp();
  }

  const int r = q0 + my_row;
  if (r < len) {
    const float inv = 1.0f / l;
    const float* orow = s_o + my_row * L::kLdO;
    Out* dst = static_cast<Out*>(a.out) + static_cast<std::int64_t>(seq_begin + r) * a.hidden +
               static_cast<std::int64_t>(head) * d;
    for (int c = half; c < d; c += 2) attention_store(dst + c, orow[c] * inv);
  }
#else
  __trap();  // unreachable: the host refuses bf16 below sm_80
#endif
}

template <int D, typename In, typename Out>
void launch_typed(const AttentionArgs& args, cudaStream_t stream) {
  constexpr std::size_t bytes = Layout<D>::total;
  RERANK_CUDA_CHECK(cudaFuncSetAttribute(attention_bf16_kernel<D, In, Out>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(bytes)));
  const dim3 grid(static_cast<unsigned>(args.num_tiles), static_cast<unsigned>(args.num_heads));
  attention_bf16_kernel<D, In, Out><<<grid, kThreads, bytes, stream>>>(args);
  RERANK_CUDA_CHECK_LAUNCH("attention_bf16");
}

template <int D>
void launch(const AttentionArgs& args, cudaStream_t stream) {
  with_attention_types(
      args, [&](auto in, auto out) { launch_typed<D, decltype(in), decltype(out)>(args, stream); });
}

}  // namespace

void launch_attention_wmma(const AttentionArgs& args, cudaStream_t stream) {
  if (args.num_tiles <= 0 || args.num_heads <= 0) return;
  with_head_dim(args.hidden / args.num_heads, [&](auto d) { launch<decltype(d)::value>(args, stream); });
}

}  // namespace rerank::engine::cuda
