// Attention for one (sequence, head) with bf16 products on AVX-512 BF16 (vdpbf16ps: 32 bf16
// multiply-adds into 16 fp32 sums per instruction, twice the fp32 FMA rate): Q K^T and P V
// on bf16 operands with fp32 accumulation, the softmax in fp32 (its exponentials fused with the
// rounding of the probabilities to bf16). Called only when cpu_features() saw AVX-512 BF16;
// every function carries its target attribute. Where the CPU has AMX, attention_head_amx runs
// the same products on tiles (16 queries x 16 keys per tdpbf16ps), on the same packed operands.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "engine/cpu/kernels.hpp"
#include "engine/cpu/simd_avx512.hpp"

#define RERANK_AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))
#define RERANK_AMX __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))

namespace rerank::engine::cpu::avx512bf16 {

namespace {

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
  static_assert(kBf16TileRows == 4, "one case per tile height");
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

// The 16 x 16 uint32 matrix in r[0..15] (row i in r[i]) transposed in registers: four
// stages of unpacks and 128-bit lane shuffles, so every store that follows is a full vector.
RERANK_AVX512BF16 inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  // r[4g + k], 128-bit lane L: column 4L + k of rows 4g .. 4g + 3.
  for (int g = 0; g < 16; g += 4) {
    r[g] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
    r[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
    r[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
    r[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
  }
  for (int k = 0; k < 4; ++k) {
    const __m512i a = _mm512_shuffle_i32x4(r[k], r[4 + k], 0x88);  // lanes 0, 2 of each
    const __m512i b = _mm512_shuffle_i32x4(r[k], r[4 + k], 0xdd);  // lanes 1, 3
    const __m512i c = _mm512_shuffle_i32x4(r[8 + k], r[12 + k], 0x88);
    const __m512i d = _mm512_shuffle_i32x4(r[8 + k], r[12 + k], 0xdd);
    t[k] = _mm512_shuffle_i32x4(a, c, 0x88);
    t[4 + k] = _mm512_shuffle_i32x4(b, d, 0x88);
    t[8 + k] = _mm512_shuffle_i32x4(a, c, 0xdd);
    t[12 + k] = _mm512_shuffle_i32x4(b, d, 0xdd);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// Dimensions [c, c + 32) of an fp32 row of d, as 16 bf16 pairs (zeros past d).
RERANK_AVX512BF16 inline __m512i bf16_pairs(const float* row, std::int64_t c, std::int64_t d) {
  return (__m512i)_mm512_cvtne2ps_pbh(load_first(row + c + 16, d - c - 16), load_first(row + c, d - c));
}

// K [t x d] (row stride ld) -> kb [P x t16] pairs (uint32: dimensions 2p, 2p + 1 of key j at
// pair-row p, column j), every column up to t16 written (zeros past t): 16 keys at a time,
// each key's 32 dimensions converted to 16 pairs, the 16 x 16 block transposed.
RERANK_AVX512BF16 void pack_keys(const float* k, std::int64_t ld, std::int64_t t, std::int64_t d, std::int64_t t16,
                                 std::uint16_t* kb) {
  auto* pairs = reinterpret_cast<std::uint32_t*>(kb);
  const std::int64_t dp = (d + 1) / 2;
  __m512i block[16];
  for (std::int64_t j0 = 0; j0 < t16; j0 += 16) {
    for (std::int64_t c = 0; c < d; c += 32) {
      for (std::int64_t r = 0; r < 16; ++r) {
        block[r] = j0 + r < t ? bf16_pairs(k + (j0 + r) * ld, c, d) : _mm512_setzero_si512();
      }
      transpose16(block);
      const std::int64_t n = std::min<std::int64_t>(16, dp - c / 2);
      for (std::int64_t p = 0; p < n; ++p) _mm512_storeu_si512(pairs + (c / 2 + p) * t16 + j0, block[p]);
    }
  }
}

// V [t x d] -> vb [t16/2 x d16] pairs (uint32: keys 2q, 2q + 1 of column c at pair-row q),
// every pair-row up to t16/2 written (zeros past t): two value rows convert together and
// interleave.
RERANK_AVX512BF16 void pack_values(const float* v, std::int64_t ld, std::int64_t t, std::int64_t d, std::int64_t t16,
                                   std::int64_t d16, std::uint16_t* vb) {
  alignas(64) static const std::uint16_t interleave[32] = {0,  16, 1,  17, 2,  18, 3,  19, 4,  20, 5,
                                                           21, 6,  22, 7,  23, 8,  24, 9,  25, 10, 26,
                                                           11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i order = _mm512_load_si512(interleave);
  for (std::int64_t j = 0; j < t16; j += 2) {
    const float* v0 = j < t ? v + j * ld : nullptr;
    const float* v1 = j + 1 < t ? v0 + ld : nullptr;
    for (std::int64_t c = 0; c < d16; c += 16) {
      const __m512 lo = v0 ? load_first(v0 + c, d - c) : _mm512_setzero_ps();
      const __m512 hi = v1 ? load_first(v1 + c, d - c) : _mm512_setzero_ps();
      const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);  // bf16(lo) in the low half, bf16(hi) high
      _mm512_storeu_si512(vb + ((j / 2) * d16 + c) * 2, _mm512_permutexvar_epi16(order, both));
    }
  }
}

// Q's row as bf16 pairs in 2P bf16 (zero past d).
RERANK_AVX512BF16 void pack_query(const float* q, std::int64_t d, std::uint16_t* qb) {
  const std::int64_t units = (d + 1) / 2 * 2;
  for (std::int64_t c = 0; c < units; c += 32) {
    const __mmask32 keep = static_cast<__mmask32>((std::uint64_t{1} << std::min<std::int64_t>(32, units - c)) - 1);
    _mm512_mask_storeu_epi16(qb + c, keep, bf16_pairs(q, c, d));
  }
}

// Lanes l of the 16 columns from j with lo <= j + l < hi (all of them, without the shifts,
// inside the range: the common case, and these loops run t^2 / 16 times per head).
inline __mmask16 columns_within(std::int64_t j, std::int64_t lo, std::int64_t hi) {
  if (j >= lo && j + 16 <= hi) return 0xFFFF;
  const auto below = [j](std::int64_t limit) {
    return static_cast<std::uint32_t>((std::uint64_t{1} << std::clamp<std::int64_t>(limit - j, 0, 16)) - 1);
  };
  return static_cast<__mmask16>(below(hi) & ~below(lo));
}

// Query i's scores sr[lo, hi) -> its unnormalised probabilities exp(scale (s - max)) (the
// bias added to scaled scores first, when given) rounded to bf16 in pr[band_lo, band_hi16),
// zeros over the rest; returns their fp32 sum. One pass after the max: exp, sum and the bf16
// store fused (avx2::softmax_row, which the fp32 kernel uses, writes fp32 probabilities; a
// bf16 copy of them took this kernel a third pass over the scores).
RERANK_AVX512BF16 float softmax_row_bf16(float* sr, std::uint16_t* pr, const AttentionHeadArgs& a, std::int64_t i,
                                         std::int64_t lo, std::int64_t hi, std::int64_t band_lo,
                                         std::int64_t band_hi16) {
  const float exp_scale = bias_scores(sr, a, i, lo, hi);
  __m512 mx = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (std::int64_t j = lo / 16 * 16; j < hi; j += 16) {
    mx = _mm512_mask_max_ps(mx, columns_within(j, lo, hi), mx, _mm512_loadu_ps(sr + j));
  }
  const float c = exp_scale * 1.44269504088896341f;  // exp(s x) = 2^(s log2(e) x)
  const __m512 cv = _mm512_set1_ps(c);
  const __m512 offset = _mm512_set1_ps(-_mm512_reduce_max_ps(mx) * c);
  __m512 sum = _mm512_setzero_ps();
  for (std::int64_t j = band_lo; j < band_hi16; j += 16) {
    const __mmask16 in = columns_within(j, lo, hi);
    const __m512 e = _mm512_maskz_mov_ps(in, avx512::exp2_nonpositive(_mm512_fmadd_ps(_mm512_loadu_ps(sr + j), cv, offset)));
    sum = _mm512_add_ps(sum, e);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(pr + j), (__m256i)_mm512_cvtneps_pbh(e));
  }
  return _mm512_reduce_add_ps(sum);
}

// The scratch of both bf16 kernels (in bf16 units, within attention_scratch_floats): K packed
// [P x t16 x 2], V packed [t16/2 x d16 x 2], Q tile [R x 2P], P tile [R x t16]; then fp32 S
// [R x t16] and O [R x d16], R queries at a time. P = ceil(d / 2) dimension pairs; padding is
// zero, so it adds nothing to any sum.
struct Bf16Scratch {
  std::int64_t t16, d16, dp;
  std::uint16_t *kb, *vb, *qb, *pb;
  float *s, *o;
};
inline Bf16Scratch bf16_scratch(const AttentionHeadArgs& a, std::int64_t rows) {
  Bf16Scratch w;
  w.t16 = (a.t + 15) / 16 * 16;
  w.d16 = (a.d + 15) / 16 * 16;
  w.dp = (a.d + 1) / 2;
  w.kb = reinterpret_cast<std::uint16_t*>(a.scratch);
  w.vb = w.kb + w.dp * w.t16 * 2;
  w.qb = w.vb + w.t16 * w.d16;
  w.pb = w.qb + rows * 2 * w.dp;
  const std::int64_t bf16_units = w.dp * w.t16 * 2 + w.t16 * w.d16 + rows * 2 * w.dp + rows * w.t16;
  w.s = a.scratch + (bf16_units + 31) / 32 * 16;  // 64-byte aligned again
  w.o = w.s + rows * w.t16;
  return w;
}

// Output rows [i0, i0 + rows): O's rows (stride d16) times their 1 / sum of probabilities.
RERANK_AVX512BF16 void store_normalised(const AttentionHeadArgs& a, std::int64_t i0, std::int64_t rows,
                                        const float* o, std::int64_t d16, const float* inv_sum) {
  for (std::int64_t r = 0; r < rows; ++r) {
    float* dst = a.out + (i0 + r) * a.ldo;
    const __m512 inv = _mm512_set1_ps(inv_sum[r]);
    for (std::int64_t c = 0; c < a.d; c += 16) {
      const __mmask16 keep = static_cast<__mmask16>((1u << std::min<std::int64_t>(16, a.d - c)) - 1u);
      _mm512_mask_storeu_ps(dst + c, keep, _mm512_mul_ps(_mm512_loadu_ps(o + r * d16 + c), inv));
    }
  }
}

}  // namespace

RERANK_AVX512BF16 void to_bf16(const float* x, std::int64_t n, std::uint16_t* out, Activation act) {
  std::int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 lo = avx512::activate(_mm512_loadu_ps(x + i), act);
    const __m512 hi = avx512::activate(_mm512_loadu_ps(x + i + 16), act);
    _mm512_storeu_si512(out + i, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
  }
  for (; i < n; i += 16) {
    const std::int64_t left = std::min<std::int64_t>(16, n - i);
    const __m256i b = (__m256i)_mm512_cvtneps_pbh(avx512::activate(load_first(x + i, left), act));
    _mm256_mask_storeu_epi16(out + i, static_cast<__mmask16>((1u << left) - 1u), b);
  }
}

// Scratch: bf16_scratch with R = kBf16TileRows.
RERANK_AVX512BF16 void attention_head(const AttentionHeadArgs& a) {
  const std::int64_t t = a.t, d = a.d;
  constexpr std::int64_t R = kBf16TileRows;
  const Bf16Scratch w = bf16_scratch(a, R);
  const std::int64_t t16 = w.t16, d16 = w.d16, dp = w.dp;
  std::uint16_t *kb = w.kb, *vb = w.vb, *qb = w.qb, *pb = w.pb;
  float *s = w.s, *o = w.o;

  pack_keys(a.k, a.ld, t, d, t16, kb);
  pack_values(a.v, a.ld, t, d, t16, d16, vb);
  for (std::int64_t i0 = 0; i0 < t; i0 += R) {
    const int rows = static_cast<int>(std::min<std::int64_t>(R, t - i0));
    for (int r = 0; r < rows; ++r) pack_query(a.q + (i0 + r) * a.ld, d, qb + r * 2 * dp);
    const auto [band_lo, band_hi] = band_of(a, i0, rows);
    const std::int64_t band_hi16 = std::min(t16, (band_hi + 15) / 16 * 16);
    dot_pairs_rows(rows, qb, 2 * dp, kb + 2 * band_lo, 2 * t16, s + band_lo, t16, dp, band_hi16 - band_lo);
    // Probabilities in bf16 over the band, zero from its end to the next multiple of 16, so
    // V's pairs past it add nothing.
    float inv_sum[R];
    for (int r = 0; r < rows; ++r) {
      const auto [lo, hi] = keys_of(a, i0 + r);
      inv_sum[r] = 1.0f / softmax_row_bf16(s + r * t16, pb + r * t16, a, i0 + r, lo, hi, band_lo, band_hi16);
    }
    const std::int64_t band_even = std::min(t16, (band_hi + 1) / 2 * 2);
    dot_pairs_rows(rows, pb + band_lo, t16, vb + band_lo * d16, 2 * d16, o, d16, (band_even - band_lo) / 2, d16);
    store_normalised(a, i0, rows, o, d16, inv_sum);
  }
}

namespace {

// The tile registers' shapes (ldtilecfg's 64-byte operand, palette 1).
struct alignas(64) TileConfig {
  std::uint8_t palette = 1;
  std::uint8_t start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};

// tmm0: a 16 x 16 fp32 block of S or O. tmm1, tmm2: A (16 rows x 16 pairs) and B (16 pair-rows
// x 16 columns) for 32 bf16 of K. tmm3, tmm4: Q K^T's last, partial chunk of pairs (d / 2 mod
// 16). tmm5, tmm6: P V's last 16 keys (8 pairs) when a band's length is an odd multiple of 16.
// (Macros: the tile intrinsics paste the register number into their assembly.)
#define kAcc 0
#define kA 1
#define kB 2
#define kQTailA 3
#define kQTailB 4
#define kPTailA 5
#define kPTailB 6

TileConfig tile_config(std::int64_t query_tail_pairs) {
  TileConfig c;
  const auto set = [&c](int tile, int rows, int colsb) {
    c.rows[tile] = static_cast<std::uint8_t>(rows);
    c.colsb[tile] = static_cast<std::uint16_t>(colsb);
  };
  set(kAcc, 16, 64);
  set(kA, 16, 64);
  set(kB, 16, 64);
  if (query_tail_pairs > 0) {
    set(kQTailA, 16, static_cast<int>(4 * query_tail_pairs));
    set(kQTailB, static_cast<int>(query_tail_pairs), 64);
  }
  set(kPTailA, 16, 32);
  set(kPTailB, 8, 64);
  return c;
}

// The tile loads' inline assembly does not tell the compiler they read memory, so the bf16
// stores that fill their operands must not move past them.
inline void operands_written() { __asm__ volatile("" ::: "memory"); }

}  // namespace

// attention_head's algorithm with the products on AMX tiles: 16 queries at a time (Q and P
// tiles of 16 rows, zero rows past t), each 16 x 16 block of S and O accumulated in tmm0
// over 32-bf16 chunks of the head dimension or the keys. The packing, softmax and scaling
// are attention_head's; sums run in fp32 in a different order, so results differ from it by
// fp32 rounding only. Scratch: bf16_scratch with R = kAmxTileRows.
RERANK_AMX void attention_head_amx(const AttentionHeadArgs& a) {
  const std::int64_t t = a.t, d = a.d;
  constexpr std::int64_t R = kAmxTileRows;
  const Bf16Scratch w = bf16_scratch(a, R);
  const std::int64_t t16 = w.t16, d16 = w.d16, dp = w.dp;
  std::uint16_t *kb = w.kb, *vb = w.vb, *qb = w.qb, *pb = w.pb;
  float *s = w.s, *o = w.o;
  const std::int64_t full_pairs = dp / 16 * 16;
  const TileConfig config = tile_config(dp - full_pairs);
  _tile_loadconfig(&config);

  pack_keys(a.k, a.ld, t, d, t16, kb);
  pack_values(a.v, a.ld, t, d, t16, d16, vb);
  const long q_stride = static_cast<long>(4 * dp), k_stride = static_cast<long>(4 * t16);
  const long p_stride = static_cast<long>(2 * t16), v_stride = static_cast<long>(4 * d16);
  for (std::int64_t i0 = 0; i0 < t; i0 += R) {
    const std::int64_t rows = std::min<std::int64_t>(R, t - i0);
    for (std::int64_t r = 0; r < rows; ++r) pack_query(a.q + (i0 + r) * a.ld, d, qb + r * 2 * dp);
    std::memset(qb + rows * 2 * dp, 0, static_cast<std::size_t>((R - rows) * 2 * dp) * 2);
    const auto [band_lo, band_hi] = band_of(a, i0, rows);
    const std::int64_t band_hi16 = std::min(t16, (band_hi + 15) / 16 * 16);
    operands_written();
    for (std::int64_t j = band_lo; j < band_hi16; j += 16) {
      _tile_zero(kAcc);
      for (std::int64_t p = 0; p < full_pairs; p += 16) {
        _tile_loadd(kA, qb + 2 * p, q_stride);
        _tile_loadd(kB, kb + 2 * (p * t16 + j), k_stride);
        _tile_dpbf16ps(kAcc, kA, kB);
      }
      if (full_pairs < dp) {
        _tile_loadd(kQTailA, qb + 2 * full_pairs, q_stride);
        _tile_loadd(kQTailB, kb + 2 * (full_pairs * t16 + j), k_stride);
        _tile_dpbf16ps(kAcc, kQTailA, kQTailB);
      }
      _tile_stored(kAcc, s + j, k_stride);
    }
    float inv_sum[R];
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto [lo, hi] = keys_of(a, i0 + r);
      inv_sum[r] = 1.0f / softmax_row_bf16(s + r * t16, pb + r * t16, a, i0 + r, lo, hi, band_lo, band_hi16);
    }
    for (std::int64_t r = rows; r < R; ++r) {
      std::memset(pb + r * t16 + band_lo, 0, static_cast<std::size_t>(band_hi16 - band_lo) * 2);
    }
    operands_written();
    for (std::int64_t c = 0; c < d16; c += 16) {
      _tile_zero(kAcc);
      std::int64_t j = band_lo;
      for (; j + 32 <= band_hi16; j += 32) {
        _tile_loadd(kA, pb + j, p_stride);
        _tile_loadd(kB, vb + 2 * ((j / 2) * d16 + c), v_stride);
        _tile_dpbf16ps(kAcc, kA, kB);
      }
      if (j < band_hi16) {
        _tile_loadd(kPTailA, pb + j, p_stride);
        _tile_loadd(kPTailB, vb + 2 * ((j / 2) * d16 + c), v_stride);
        _tile_dpbf16ps(kAcc, kPTailA, kPTailB);
      }
      _tile_stored(kAcc, o + c, v_stride);
    }
    store_normalised(a, i0, rows, o, d16, inv_sum);
  }
  _tile_release();
}

#undef kAcc
#undef kA
#undef kB
#undef kQTailA
#undef kQTailB
#undef kPTailA
#undef kPTailB

}  // namespace rerank::engine::cpu::avx512bf16
