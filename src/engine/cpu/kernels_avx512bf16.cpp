// Attention for one (sequence, head) with bf16 products on AVX-512 BF16 (vdpbf16ps: 32 bf16
// multiply-adds into 16 fp32 sums per instruction, twice the fp32 FMA rate): Q K^T and P V
// on bf16 operands with fp32 accumulation, the softmax in fp32 (avx2::softmax_row). Called
// only when cpu_features() saw AVX-512 BF16; every function carries its target attribute.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/cpu/kernels.hpp"

#define RERANK_AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))

namespace rerank::engine::cpu::avx512bf16 {

namespace {

// Round to nearest even, as vcvtneps2bf16 does (the scores are finite).
inline std::uint16_t to_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  u += 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

// C[R x 16 NB] = A[R x 2P] B[2P x 16 NB] with bf16 A and B, fp32 C. A's rows (stride lda
// bf16) hold pairs (2p, 2p + 1); B is pair-major: row p (stride ldb bf16) holds, for each of
// its 16 NB columns, the two bf16 of pair p side by side (vdpbf16ps's operand layout).
template <int R, int NB>
RERANK_AVX512BF16 inline void dot_pairs(const std::uint16_t* a, std::int64_t lda, const std::uint16_t* b,
                                        std::int64_t ldb, float* c, std::int64_t ldc, std::int64_t pairs) {
  __m512 acc[R][NB];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int n = 0; n < NB; ++n) acc[r][n] = _mm512_setzero_ps();
  for (std::int64_t p = 0; p < pairs; ++p) {
    __m512bh bv[NB];
#pragma GCC unroll 2
    for (int n = 0; n < NB; ++n) bv[n] = (__m512bh)_mm512_loadu_si512(b + p * ldb + 32 * n);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      std::int32_t pair;
      std::memcpy(&pair, a + r * lda + 2 * p, sizeof(pair));
      const __m512bh av = (__m512bh)_mm512_set1_epi32(pair);
#pragma GCC unroll 2
      for (int n = 0; n < NB; ++n) acc[r][n] = _mm512_dpbf16_ps(acc[r][n], av, bv[n]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int n = 0; n < NB; ++n) _mm512_storeu_ps(c + r * ldc + 16 * n, acc[r][n]);
}

// Columns [0, cols) of C, cols a multiple of 16, two blocks at a time.
template <int R>
RERANK_AVX512BF16 void dot_pairs_columns(const std::uint16_t* a, std::int64_t lda, const std::uint16_t* b,
                                         std::int64_t ldb, float* c, std::int64_t ldc, std::int64_t pairs,
                                         std::int64_t cols) {
  std::int64_t j = 0;
  for (; j + 32 <= cols; j += 32) dot_pairs<R, 2>(a, lda, b + 2 * j, ldb, c + j, ldc, pairs);
  if (j < cols) dot_pairs<R, 1>(a, lda, b + 2 * j, ldb, c + j, ldc, pairs);
}

RERANK_AVX512BF16 void dot_pairs_rows(int rows, const std::uint16_t* a, std::int64_t lda, const std::uint16_t* b,
                                      std::int64_t ldb, float* c, std::int64_t ldc, std::int64_t pairs,
                                      std::int64_t cols) {
  switch (rows) {
    case 4: dot_pairs_columns<4>(a, lda, b, ldb, c, ldc, pairs, cols); break;
    case 3: dot_pairs_columns<3>(a, lda, b, ldb, c, ldc, pairs, cols); break;
    case 2: dot_pairs_columns<2>(a, lda, b, ldb, c, ldc, pairs, cols); break;
    default: dot_pairs_columns<1>(a, lda, b, ldb, c, ldc, pairs, cols); break;
  }
}

// The first n (<= 16) floats of x, zeros after: the d columns of a row, 16 at a time.
RERANK_AVX512BF16 inline __m512 load_first(const float* x, std::int64_t n) {
  return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << std::clamp<std::int64_t>(n, 0, 16)) - 1u), x);
}

// K [t x d] (row stride ld) -> kb [P x t16] pairs (uint32: dimensions 2p, 2p + 1 of key j at
// pair-row p, column j): each key's row converts 32 dimensions at a time, already in pairs,
// which go to their pair-rows.
RERANK_AVX512BF16 void pack_keys(const float* k, std::int64_t ld, std::int64_t t, std::int64_t d, std::int64_t t16,
                                 std::uint16_t* kb) {
  auto* pairs = reinterpret_cast<std::uint32_t*>(kb);
  alignas(64) std::uint32_t row[16];
  for (std::int64_t j = 0; j < t; ++j) {
    const float* kj = k + j * ld;
    for (std::int64_t c = 0; c < d; c += 32) {
      const __m512bh bf = _mm512_cvtne2ps_pbh(load_first(kj + c + 16, d - c - 16), load_first(kj + c, d - c));
      _mm512_store_si512(row, (__m512i)bf);
      const std::int64_t n = std::min<std::int64_t>(16, (d - c + 1) / 2);
      for (std::int64_t p = 0; p < n; ++p) pairs[(c / 2 + p) * t16 + j] = row[p];
    }
  }
}

// V [t x d] -> vb [t16/2 x d16] pairs (uint32: keys 2q, 2q + 1 of column c at pair-row q):
// two value rows convert together and interleave.
RERANK_AVX512BF16 void pack_values(const float* v, std::int64_t ld, std::int64_t t, std::int64_t d, std::int64_t d16,
                                   std::uint16_t* vb) {
  alignas(64) static const std::uint16_t interleave[32] = {0,  16, 1,  17, 2,  18, 3,  19, 4,  20, 5,
                                                           21, 6,  22, 7,  23, 8,  24, 9,  25, 10, 26,
                                                           11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i order = _mm512_load_si512(interleave);
  for (std::int64_t j = 0; j < t; j += 2) {
    const float* v0 = v + j * ld;
    const float* v1 = j + 1 < t ? v0 + ld : nullptr;
    for (std::int64_t c = 0; c < d16; c += 16) {
      const __m512 lo = load_first(v0 + c, d - c);
      const __m512 hi = v1 ? load_first(v1 + c, d - c) : _mm512_setzero_ps();
      const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);  // bf16(lo) in the low half, bf16(hi) high
      _mm512_storeu_si512(vb + ((j / 2) * d16 + c) * 2, _mm512_permutexvar_epi16(order, both));
    }
  }
}

}  // namespace

// Scratch (in bf16 units, within attention_scratch_floats): K packed [P x t16 x 2], V packed
// [t16/2 x d16 x 2], Q tile [4 x 2P], P tile [4 x t16]; then fp32 S [4 x t16] and O [4 x d16].
// P = ceil(d / 2) dimension pairs; padding is zero, so it adds nothing to any sum.
RERANK_AVX512BF16 void attention_head(const AttentionHeadArgs& a) {
  const std::int64_t t = a.t, d = a.d;
  const std::int64_t t16 = (t + 15) / 16 * 16;
  const std::int64_t d16 = (d + 15) / 16 * 16;
  const std::int64_t dp = (d + 1) / 2;
  auto* kb = reinterpret_cast<std::uint16_t*>(a.scratch);
  std::uint16_t* vb = kb + dp * t16 * 2;
  std::uint16_t* qb = vb + t16 * d16;
  std::uint16_t* pb = qb + 4 * 2 * dp;
  const std::int64_t bf16_units = dp * t16 * 2 + t16 * d16 + 4 * 2 * dp + 4 * t16;
  float* s = a.scratch + (bf16_units + 31) / 32 * 16;  // 64-byte aligned again
  float* o = s + 4 * t16;

  std::fill(kb, pb + 4 * t16, std::uint16_t{0});
  pack_keys(a.k, a.ld, t, d, t16, kb);
  pack_values(a.v, a.ld, t, d, d16, vb);
  for (std::int64_t i0 = 0; i0 < t; i0 += 4) {
    const int rows = static_cast<int>(std::min<std::int64_t>(4, t - i0));
    for (int r = 0; r < rows; ++r) {
      const float* q = a.q + (i0 + r) * a.ld;
      for (std::int64_t c = 0; c < d; ++c) qb[r * 2 * dp + c] = to_bf16(q[c]);
    }
    const auto [band_lo, band_hi] = band_of(a, i0, rows);
    const std::int64_t band_hi16 = std::min(t16, (band_hi + 15) / 16 * 16);
    dot_pairs_rows(rows, qb, 2 * dp, kb + 2 * band_lo, 2 * t16, s + band_lo, t16, dp, band_hi16 - band_lo);
    float inv_sum[4];
    // Probabilities in bf16 over the band, zero from its end to the next multiple of 16 (so
    // V's pairs past it add nothing): 16 at a time, the last 16 masked.
    const std::int64_t band_even = std::min(t16, (band_hi + 1) / 2 * 2);
    for (int r = 0; r < rows; ++r) {
      float* sr = s + r * t16;
      const auto [lo, hi] = keys_of(a, i0 + r);
      inv_sum[r] = 1.0f / avx2::softmax_row(sr, a, i0 + r, lo, hi, band_lo, band_hi);
      std::uint16_t* pr = pb + r * t16;
      for (std::int64_t j = band_lo; j < band_hi16; j += 16) {
        const std::int64_t n = std::clamp<std::int64_t>(band_hi - j, 0, 16);
        const __m512 p = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1u), sr + j);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(pr + j), (__m256i)_mm512_cvtneps_pbh(p));
      }
    }
    dot_pairs_rows(rows, pb + band_lo, t16, vb + band_lo * d16, 2 * d16, o, d16, (band_even - band_lo) / 2, d16);
    for (int r = 0; r < rows; ++r) {
      float* dst = a.out + (i0 + r) * a.ldo;
      const float* src = o + r * d16;
      for (std::int64_t c = 0; c < d; ++c) dst[c] = src[c] * inv_sum[r];
    }
  }
}

}  // namespace rerank::engine::cpu::avx512bf16
