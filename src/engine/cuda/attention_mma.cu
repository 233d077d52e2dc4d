// The fast tensor-core attention kernel for bf16 models (FlashAttention-2's structure):
// one block = 4 warps = 64 queries of one head of one sequence; each warp owns 16 query rows
// and keeps everything about them in registers. Per 64-key tile staged in shared memory:
//   S = Q K^T with mma.sync m16n8k16 (bf16 in, fp32 accumulate), Q and K fragments loaded
//     with ldmatrix;
//   online softmax on the accumulators in registers (the 4 lanes that share a row reduce
//     with shuffles; exp2 with the scale folded in), P rounded to bf16 straight into the
//     A-operand layout (an m16n8 accumulator pair is an m16k16 A fragment);
//   O += P V with V fragments from ldmatrix.trans; O stays in registers, rescaled by
//     exp2(m_old - m_new).
// Fragment layouts are PTX's for mma.m16n8k16 (see the PTX ISA, "Matrix fragments"): with
// g = lane / 4 and t = lane % 4, accumulator c0,c1 are row g, columns 2t, 2t+1 and c2,c3
// row g + 8; A registers a0..a3 are (row g, k 2t..), (g + 8, 2t..), (g, 2t + 8..),
// (g + 8, 2t + 8..); B registers b0, b1 are (k 2t.., n g), (k 2t + 8.., n g).
// Head dims 32, 64 and 128 (others use the wmma kernel of attention_bf16.cu).
#include <cuda_bf16.h>

#include <cmath>
#include <cstdint>

#include "engine/cuda/attention.hpp"
#include "engine/cuda/attention_common.cuh"
#include "engine/cuda/cuda_check.hpp"

namespace rerank::engine::cuda {

namespace {

constexpr int kBq = kAttentionQueryTile;  // 64 queries per block, 16 per warp
constexpr int kBk = 64;                   // keys per shared-memory tile
constexpr int kThreads = 128;

#if RERANK_CUDA_BF16_TENSOR_CORES  // the PTX below needs sm_80
__device__ __forceinline__ std::uint32_t smem_address(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ void ldmatrix_x4(std::uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(std::uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

// c += a * b for one m16n8k16 tile.
__device__ __forceinline__ void mma_bf16(float (&c)[4], const std::uint32_t (&a)[4], std::uint32_t b0,
                                         std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// 16 bytes global -> shared without passing through registers; fill=false writes 16 zero
// bytes instead (src-size 0: nothing is read).
__device__ __forceinline__ void cp_async_16(void* dst, const void* src, bool fill) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_address(dst)), "l"(src),
               "r"(fill ? 16 : 0)
               : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

__device__ __forceinline__ std::uint32_t bits(__nv_bfloat162 v) {
  return *reinterpret_cast<std::uint32_t*>(&v);
}

#endif

template <int D>
constexpr int kLd = D + 8;  // row stride of the tiles: 16-byte rows for ldmatrix, no bank conflicts

// Q, then two K tiles and two V tiles (the next pair fills while the current one is used).
template <int D>
constexpr std::size_t kSharedBytes = sizeof(__nv_bfloat16) * (kBq + 4 * kBk) * kLd<D>;

// Rows [first, first + kBk) of a bf16 K or V slice with 16-byte aligned rows, copied with
// cp.async (rows past the sequence are zero-filled). The caller commits and waits.
template <int D>
__device__ __forceinline__ void load_tile_async(__nv_bfloat16* dst, const __nv_bfloat16* base,
                                                std::int64_t ld, int first, int len) {
  constexpr int kChunksPerRow = D / 8;
  for (int i = threadIdx.x; i < kBk * kChunksPerRow; i += kThreads) {
    const int r = i / kChunksPerRow, c = (i % kChunksPerRow) * 8;
    const bool inside = first + r < len;
    cp_async_16(dst + r * kLd<D> + c, inside ? base + static_cast<std::int64_t>(first + r) * ld + c : base,
                inside);
  }
}

template <int D, typename In, typename Out>
__global__ void __launch_bounds__(kThreads) attention_mma_kernel(AttentionArgs a) {
#if RERANK_CUDA_BF16_TENSOR_CORES
  extern __shared__ __align__(128) unsigned char smem[];
  auto* s_q = reinterpret_cast<__nv_bfloat16*>(smem);
  // Buffer b's K tile starts at s_kv + b * kKvStride, its V tile kBk rows later.
  __nv_bfloat16* s_kv = s_q + kBq * kLd<D>;
  constexpr int kKvStride = 2 * kBk * kLd<D>;
  constexpr int kVOffset = kBk * kLd<D>;

  const AttentionBlock blk = attention_block(a);
  const int head = blk.head, seq_begin = blk.seq_begin, len = blk.len, q0 = blk.q0, d = blk.d;
  const std::int64_t ld = blk.ld;
  const In* q_base = blk.q<In>(a);
  const In* k_base = q_base + a.hidden;
  const In* v_base = q_base + 2 * static_cast<std::int64_t>(a.hidden);
  const bool vector = attention_vector_loads<D, In>(a.qkv, a.hidden, d);
  // Scores are kept in the log2 domain: exp(x * scale) = exp2(x * scale * log2(e)).
  const float scale_log2 = 1.4426950408889634f / sqrtf(static_cast<float>(d));
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;
  const int row0 = warp * 16;
  const int mi = lane / 8, mr = lane % 8;  // ldmatrix: which 8x8 matrix this lane addresses, and its row

  load_attention_tile<D, kLd<D>, kBq, kThreads>(s_q, q_base, ld, q0, len, d, vector);
  __syncthreads();
  std::uint32_t qf[D / 16][4];
#pragma unroll
  for (int ks = 0; ks < D / 16; ++ks) {
    ldmatrix_x4(qf[ks], s_q + (row0 + mr + (mi % 2) * 8) * kLd<D> + ks * 16 + (mi / 2) * 8);
  }

  float o[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.0f;
  float m_lo = -INFINITY, m_hi = -INFINITY;  // running max of rows g and g + 8 (log2 domain)
  float l_lo = 0.0f, l_hi = 0.0f;            // this lane's share of their running sums

  // bf16 Q|K|V with 16-byte rows (the bf16-scratch path) streams K and V with cp.async one
  // tile ahead of the compute; other inputs are loaded (and converted) tile by tile.
  constexpr bool kBf16In = sizeof(In) == 2;
  const bool async = kBf16In && vector;
  if constexpr (kBf16In) {
    if (async) {
      load_tile_async<D>(s_kv, k_base, ld, 0, len);
      load_tile_async<D>(s_kv + kVOffset, v_base, ld, 0, len);
      cp_async_commit();
    }
  }
  for (int k0 = 0, buf = 0; k0 < len; k0 += kBk, buf ^= 1) {
    __syncthreads();  // every warp is done with the previous step's tiles, whose buffer is refilled next
    __nv_bfloat16* s_k = s_kv + buf * kKvStride;
    __nv_bfloat16* s_v = s_k + kVOffset;
    if constexpr (kBf16In) {
      if (async) {
        if (k0 + kBk < len) {
          load_tile_async<D>(s_kv + (buf ^ 1) * kKvStride, k_base, ld, k0 + kBk, len);
          load_tile_async<D>(s_kv + (buf ^ 1) * kKvStride + kVOffset, v_base, ld, k0 + kBk, len);
          cp_async_commit();
          cp_async_wait<1>();  // this step's tiles have landed (the next ones may be in flight)
        } else {
          cp_async_wait<0>();
        }
      }
    }
    if (!async) {
      load_attention_tile<D, kLd<D>, kBk, kThreads>(s_k, k_base, ld, k0, len, d, vector);
      load_attention_tile<D, kLd<D>, kBk, kThreads>(s_v, v_base, ld, k0, len, d, vector);
    }
    __syncthreads();  // every thread's part of this step's tiles is visible

    float s[kBk / 8][4];
#pragma unroll
    for (int j = 0; j < kBk / 8; ++j) s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.0f;
#pragma unroll
    for (int ks = 0; ks < D / 16; ++ks) {
#pragma unroll
      for (int j = 0; j < kBk / 8; j += 2) {
        std::uint32_t b[4];  // b0, b1 of key tile j, then of key tile j + 1
        ldmatrix_x4(b, s_k + (j * 8 + mr + (mi / 2) * 8) * kLd<D> + ks * 16 + (mi % 2) * 8);
        mma_bf16(s[j], qf[ks], b[0], b[1]);
        mma_bf16(s[j + 1], qf[ks], b[2], b[3]);
      }
    }

    // Scale, mask the keys past the sequence, and take the rows' maxima.
    float tile_lo = -INFINITY, tile_hi = -INFINITY;
#pragma unroll
    for (int j = 0; j < kBk / 8; ++j) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const bool valid = k0 + j * 8 + 2 * t + e < len;
        s[j][e] = valid ? s[j][e] * scale_log2 : -INFINITY;
        s[j][2 + e] = valid ? s[j][2 + e] * scale_log2 : -INFINITY;
        tile_lo = fmaxf(tile_lo, s[j][e]);
        tile_hi = fmaxf(tile_hi, s[j][2 + e]);
      }
    }
#pragma unroll
    for (int mask = 1; mask <= 2; mask <<= 1) {
      tile_lo = fmaxf(tile_lo, __shfl_xor_sync(0xffffffffu, tile_lo, mask));
      tile_hi = fmaxf(tile_hi, __shfl_xor_sync(0xffffffffu, tile_hi, mask));
    }
    // Finite: every tile has a key (k0 < len). The first tile's alpha is exp2(-inf) = 0.
    const float new_lo = fmaxf(m_lo, tile_lo), new_hi = fmaxf(m_hi, tile_hi);
    const float alpha_lo = exp2f(m_lo - new_lo), alpha_hi = exp2f(m_hi - new_hi);
    m_lo = new_lo;
    m_hi = new_hi;

    // P in bf16, as A fragments: key tiles 2kk and 2kk + 1 make k-step kk. The sums add the
    // rounded values, exactly what P V multiplies.
    std::uint32_t pf[kBk / 16][4];
    float sum_lo = 0.0f, sum_hi = 0.0f;
#pragma unroll
    for (int j = 0; j < kBk / 8; ++j) {
      const __nv_bfloat162 lo = __floats2bfloat162_rn(exp2f(s[j][0] - m_lo), exp2f(s[j][1] - m_lo));
      const __nv_bfloat162 hi = __floats2bfloat162_rn(exp2f(s[j][2] - m_hi), exp2f(s[j][3] - m_hi));
      const float2 flo = __bfloat1622float2(lo), fhi = __bfloat1622float2(hi);
      sum_lo += flo.x + flo.y;
      sum_hi += fhi.x + fhi.y;
      pf[j / 2][(j % 2) * 2] = bits(lo);
      pf[j / 2][(j % 2) * 2 + 1] = bits(hi);
    }
    l_lo = l_lo * alpha_lo + sum_lo;
    l_hi = l_hi * alpha_hi + sum_hi;
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      o[n][0] *= alpha_lo;
      o[n][1] *= alpha_lo;
      o[n][2] *= alpha_hi;
      o[n][3] *= alpha_hi;
    }

#pragma unroll
    for (int kk = 0; kk < kBk / 16; ++kk) {
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        std::uint32_t b[4];  // b0, b1 of dim tile n, then of dim tile n + 1
        ldmatrix_x4_trans(b, s_v + (kk * 16 + mr + (mi % 2) * 8) * kLd<D> + n * 8 + (mi / 2) * 8);
        mma_bf16(o[n], pf[kk], b[0], b[1]);
        mma_bf16(o[n + 1], pf[kk], b[2], b[3]);
      }
    }
  }

#pragma unroll
  for (int mask = 1; mask <= 2; mask <<= 1) {
    l_lo += __shfl_xor_sync(0xffffffffu, l_lo, mask);
    l_hi += __shfl_xor_sync(0xffffffffu, l_hi, mask);
  }
  const int r_lo = q0 + row0 + g, r_hi = r_lo + 8;
  Out* out = static_cast<Out*>(a.out) + static_cast<std::int64_t>(seq_begin) * a.hidden +
             static_cast<std::int64_t>(head) * d;
  const float inv_lo = 1.0f / l_lo, inv_hi = 1.0f / l_hi;
#pragma unroll
  for (int n = 0; n < D / 8; ++n) {
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const int c = n * 8 + 2 * t + e;
      if (c >= d) continue;
      if (r_lo < len) attention_store(out + static_cast<std::int64_t>(r_lo) * a.hidden + c, o[n][e] * inv_lo);
      if (r_hi < len)
        attention_store(out + static_cast<std::int64_t>(r_hi) * a.hidden + c, o[n][2 + e] * inv_hi);
    }
  }
#else
  __trap();  // unreachable: the host refuses bf16 below sm_80
#endif
}

template <int D, typename In, typename Out>
void launch_typed(const AttentionArgs& args, cudaStream_t stream) {
  constexpr std::size_t bytes = kSharedBytes<D>;
  RERANK_CUDA_CHECK(cudaFuncSetAttribute(attention_mma_kernel<D, In, Out>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(bytes)));
  const dim3 grid(static_cast<unsigned>(args.num_tiles), static_cast<unsigned>(args.num_heads));
  attention_mma_kernel<D, In, Out><<<grid, kThreads, bytes, stream>>>(args);
  RERANK_CUDA_CHECK_LAUNCH("attention_mma");
}

template <int D>
void launch(const AttentionArgs& args, cudaStream_t stream) {
  with_attention_types(
      args, [&](auto in, auto out) { launch_typed<D, decltype(in), decltype(out)>(args, stream); });
}

}  // namespace

void launch_attention_mma(const AttentionArgs& args, cudaStream_t stream) {
  if (args.num_tiles <= 0 || args.num_heads <= 0) return;
  with_head_dim(args.hidden / args.num_heads, [&](auto d) {
    // The fragments need at least two 16-wide k steps: select_attention_kernel sends head
    // dims of 16 and below to the wmma kernel.
    if constexpr (decltype(d)::value >= 32) {
      launch<decltype(d)::value>(args, stream);
    } else {
      throw Error(ErrorCode::Internal, "the mma attention kernel takes head dims above 16");
    }
  });
}

}  // namespace rerank::engine::cuda
