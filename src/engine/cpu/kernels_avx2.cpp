// AVX2 + FMA kernels. Every function carries a target attribute, so this file builds with
// the project's baseline flags and is only called after cpu_features() saw AVX2 and FMA.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/cpu/activation_math.hpp"
#include "engine/cpu/kernels.hpp"

#define RERANK_AVX2 __attribute__((target("avx2,fma")))

namespace rerank::engine::cpu::avx2 {

namespace {

RERANK_AVX2 inline float hsum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  __m128 sh = _mm_movehdup_ps(lo);
  lo = _mm_add_ps(lo, sh);
  sh = _mm_movehl_ps(sh, lo);
  lo = _mm_add_ss(lo, sh);
  return _mm_cvtss_f32(lo);
}

RERANK_AVX2 inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

RERANK_AVX2 inline float hmin(__m256 v) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  m = _mm_min_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// exp(x) for x <= 0 (softmax arguments), Cephes polynomial; relative error ~1e-7.
RERANK_AVX2 inline __m256 exp_nonpositive(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.3f);
  x = _mm256_max_ps(x, lo);
  const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
  __m256 fx = _mm256_fmadd_ps(x, log2e, _mm256_set1_ps(0.5f));
  fx = _mm256_floor_ps(fx);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500E-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
  const __m256 x2 = _mm256_mul_ps(x, x);
  y = _mm256_fmadd_ps(y, x2, _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  __m256i e = _mm256_cvttps_epi32(fx);
  e = _mm256_add_epi32(e, _mm256_set1_epi32(127));
  e = _mm256_slli_epi32(e, 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// erfc(a), a >= 0, by activation_math.hpp's form and fit.
RERANK_AVX2 inline __m256 erfc_nonnegative(__m256 a) {
  a = _mm256_min_ps(a, _mm256_set1_ps(kErfcMaxArgument));
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(a, _mm256_set1_ps(0.5f), _mm256_set1_ps(1.0f)));
  __m256 p = _mm256_set1_ps(kErfcPoly[7]);
  for (int i = 6; i >= 0; --i) p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(kErfcPoly[i]));
  return _mm256_mul_ps(t, exp_nonpositive(_mm256_fnmadd_ps(a, a, p)));
}

// 1 / (1 + exp(-z)) without overflow: e = exp(-|z|) <= 1, then 1 / (1 + e) or e / (1 + e).
RERANK_AVX2 inline __m256 sigmoid(__m256 z) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 e = exp_nonpositive(_mm256_or_ps(z, sign));  // exp(-|z|)
  const __m256 r = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
  return _mm256_blendv_ps(r, _mm256_mul_ps(e, r), z);  // z's sign bit picks e / (1 + e)
}

RERANK_AVX2 inline __m256 activate(__m256 x, Activation act) {
  switch (act) {
    case Activation::GeluErf: {
      // x Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2: erfc of |x| / sqrt 2, mirrored for x > 0.
      const __m256 half_e =
          _mm256_mul_ps(_mm256_set1_ps(0.5f), erfc_nonnegative(_mm256_mul_ps(
                                                  _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x), _mm256_set1_ps(0.70710678118654752f))));
      const __m256 phi = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), half_e), half_e, x);
      return _mm256_mul_ps(x, phi);
    }
    case Activation::GeluTanh: {
      // 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2 / pi) (x + 0.044715 x^3).
      const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
      const __m256 u = _mm256_fmadd_ps(x3, _mm256_set1_ps(0.044715f), x);
      return _mm256_mul_ps(x, sigmoid(_mm256_mul_ps(u, _mm256_set1_ps(2.0f * 0.7978845608028654f))));
    }
    case Activation::Silu: return _mm256_mul_ps(x, sigmoid(x));
    case Activation::Relu: return _mm256_max_ps(x, _mm256_setzero_ps());
    default: return x;
  }
}

// dst[c * ldd + j] = src[j * lds + c] for j < rows, c < cols. 8x8 blocks are transposed in
// registers so every store is a full vector: scalar stores strided by a row of the ~40 KB
// transposed-keys scratch (larger than L1) filled the store buffer, and this copy cost more
// than 40% of attention_head's own time.
RERANK_AVX2 void transpose(const float* src, std::int64_t lds, std::int64_t rows, std::int64_t cols, float* dst,
                           std::int64_t ldd) {
  const std::int64_t rows8 = rows / 8 * 8, cols8 = cols / 8 * 8;
  for (std::int64_t j = 0; j < rows8; j += 8) {
    for (std::int64_t c = 0; c < cols8; c += 8) {
      __m256 r[8], t[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (j + i) * lds + c);
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
      }
      for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      // r[i] (i < 4) now holds rows j..j+3 of column c+i in its low half and of column c+i+4
      // in its high half; r[i + 4] the same for rows j+4..j+7.
      for (int i = 0; i < 4; ++i) {
        _mm256_storeu_ps(dst + (c + i) * ldd + j, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
        _mm256_storeu_ps(dst + (c + i + 4) * ldd + j, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
      }
    }
    for (std::int64_t c = cols8; c < cols; ++c) {
      for (std::int64_t i = j; i < j + 8; ++i) dst[c * ldd + i] = src[i * lds + c];
    }
  }
  for (std::int64_t i = rows8; i < rows; ++i) {
    for (std::int64_t c = 0; c < cols; ++c) dst[c * ldd + i] = src[i * lds + c];
  }
}

// C[R x 16] = A[R x K] * B[K x 16]; A rows strided by lda, B rows by ldb (16 valid floats each).
// The row loops must be fully unrolled: otherwise GCC keeps the accumulator arrays on the
// stack and stores them on every k step (a 3x slower attention, seen with perf annotate).
template <int R>
RERANK_AVX2 inline void kernel_rx16(const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                                    std::int64_t ldc, std::int64_t k) {
  __m256 c0[R], c1[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    c0[r] = _mm256_setzero_ps();
    c1[r] = _mm256_setzero_ps();
  }
  for (std::int64_t p = 0; p < k; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b + p * ldb);
    const __m256 b1 = _mm256_loadu_ps(b + p * ldb + 8);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * lda + p);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(c + r * ldc, c0[r]);
    _mm256_storeu_ps(c + r * ldc + 8, c1[r]);
  }
}

RERANK_AVX2 void kernel_x16(int rows, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                            std::int64_t ldc, std::int64_t k) {
  switch (rows) {
    case 4: kernel_rx16<4>(a, lda, b, ldb, c, ldc, k); break;
    case 3: kernel_rx16<3>(a, lda, b, ldb, c, ldc, k); break;
    case 2: kernel_rx16<2>(a, lda, b, ldb, c, ldc, k); break;
    default: kernel_rx16<1>(a, lda, b, ldb, c, ldc, k); break;
  }
}

// One query row's scores sr[lo, hi) in place -> unnormalised probabilities exp(scale (s - max))
// (the bias added to scaled scores first, when given), zeros over the rest of
// [band_lo, band_hi); returns their sum.
RERANK_AVX2 float softmax_row(float* sr, const AttentionHeadArgs& a, std::int64_t i, std::int64_t lo, std::int64_t hi,
                              std::int64_t band_lo, std::int64_t band_hi) {
  const float exp_scale = bias_scores(sr, a, i, lo, hi);
  std::int64_t j = lo;
  __m256 mx = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (; j + 8 <= hi; j += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(sr + j));
  float m = hmax(mx);
  for (; j < hi; ++j) m = std::max(m, sr[j]);
  const __m256 mv = _mm256_set1_ps(m);
  const __m256 scale = _mm256_set1_ps(exp_scale);
  __m256 acc = _mm256_setzero_ps();
  j = lo;
  for (; j + 8 <= hi; j += 8) {
    const __m256 e = exp_nonpositive(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(sr + j), mv), scale));
    _mm256_storeu_ps(sr + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  float sum = hsum(acc);
  for (; j < hi; ++j) {
    sr[j] = std::exp((sr[j] - m) * exp_scale);
    sum += sr[j];
  }
  for (j = band_lo; j < lo; ++j) sr[j] = 0.0f;
  for (j = hi; j < band_hi; ++j) sr[j] = 0.0f;
  return sum;
}

// round(act(x) * inv_scale) + zero point for 8 values, rounding to nearest even (the default
// MXCSR mode, as std::nearbyint); not yet clamped.
RERANK_AVX2 inline __m256i quantise8(const float* x, Activation act, __m256 inv_scale, __m256i zero_point) {
  return _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(activate(_mm256_loadu_ps(x), act), inv_scale)), zero_point);
}

}  // namespace

RERANK_AVX2 void attention_head(const AttentionHeadArgs& a, ProductsX16 products) {
  if (products == nullptr) products = kernel_x16;
  const std::int64_t t = a.t, d = a.d;
  const std::int64_t t16 = (t + 15) / 16 * 16;
  const std::int64_t d16 = (d + 15) / 16 * 16;
  float* kt = a.scratch;        // [d x t16]: keys transposed, zero-padded columns
  float* vp = kt + d * t16;     // [t x d16]: values, zero-padded columns
  float* s = vp + t * d16;      // [4 x t16]: scores, then probabilities (unnormalised)
  float* o = s + 4 * t16;       // [4 x d16]
  transpose(a.k, a.ld, t, d, kt, t16);
  for (std::int64_t j = 0; j < t; ++j) {
    std::memcpy(vp + j * d16, a.v + j * a.ld, static_cast<std::size_t>(d) * sizeof(float));
    for (std::int64_t c = d; c < d16; ++c) vp[j * d16 + c] = 0.0f;
  }
  for (std::int64_t c = 0; c < d; ++c) {
    for (std::int64_t j = t; j < t16; ++j) kt[c * t16 + j] = 0.0f;
  }
  for (std::int64_t i0 = 0; i0 < t; i0 += 4) {
    const int rows = static_cast<int>(std::min<std::int64_t>(4, t - i0));
    const float* q = a.q + i0 * a.ld;
    const auto [band_lo, band_hi] = band_of(a, i0, rows);
    const std::int64_t band_hi16 = std::min(t16, (band_hi + 15) / 16 * 16);
    for (std::int64_t j = band_lo; j < band_hi16; j += 16) products(rows, q, a.ld, kt + j, t16, s + j, t16, d);
    float inv_sum[4];
    for (int r = 0; r < rows; ++r) {
      const auto [lo, hi] = keys_of(a, i0 + r);  // the band's other keys get probability 0
      inv_sum[r] = 1.0f / softmax_row(s + r * t16, a, i0 + r, lo, hi, band_lo, band_hi);
    }
    for (std::int64_t c = 0; c < d16; c += 16) {
      products(rows, s + band_lo, t16, vp + band_lo * d16 + c, d16, o + c, d16, band_hi - band_lo);
    }
    for (int r = 0; r < rows; ++r) {
      float* dst = a.out + (i0 + r) * a.ldo;
      const float* src = o + r * d16;
      const __m256 inv = _mm256_set1_ps(inv_sum[r]);
      std::int64_t c = 0;
      for (; c + 8 <= d; c += 8) _mm256_storeu_ps(dst + c, _mm256_mul_ps(_mm256_loadu_ps(src + c), inv));
      for (; c < d; ++c) dst[c] = src[c] * inv_sum[r];
    }
  }
}

RERANK_AVX2 void layer_norm_rows(float* x, std::int64_t rows, std::int64_t cols, std::int64_t ld, const float* g,
                                 const float* b, float eps) {
  const float inv_n = 1.0f / static_cast<float>(cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    float* row = x + r * ld;
    __m256 acc = _mm256_setzero_ps();
    std::int64_t c = 0;
    for (; c + 8 <= cols; c += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(row + c));
    float sum = hsum(acc);
    for (; c < cols; ++c) sum += row[c];
    const float mean = sum * inv_n;
    const __m256 mv = _mm256_set1_ps(mean);
    acc = _mm256_setzero_ps();
    c = 0;
    for (; c + 8 <= cols; c += 8) {
      const __m256 dv = _mm256_sub_ps(_mm256_loadu_ps(row + c), mv);
      acc = _mm256_fmadd_ps(dv, dv, acc);
    }
    float var = hsum(acc);
    for (; c < cols; ++c) var += (row[c] - mean) * (row[c] - mean);
    var *= inv_n;
    const float rstd = 1.0f / std::sqrt(var + eps);
    const __m256 rv = _mm256_set1_ps(rstd);
    c = 0;
    for (; c + 8 <= cols; c += 8) {
      const __m256 nv = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + c), mv), rv);
      _mm256_storeu_ps(row + c, _mm256_fmadd_ps(nv, _mm256_loadu_ps(g + c), _mm256_loadu_ps(b + c)));
    }
    for (; c < cols; ++c) row[c] = (row[c] - mean) * rstd * g[c] + b[c];
  }
}

RERANK_AVX2 void min_max(const float* x, std::int64_t n, float* lo, float* hi) {
  __m256 mn = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  __m256 mx = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    mn = _mm256_min_ps(mn, v);
    mx = _mm256_max_ps(mx, v);
  }
  float a = hmin(mn), b = hmax(mx);
  for (; i < n; ++i) {
    a = std::min(a, x[i]);
    b = std::max(b, x[i]);
  }
  *lo = a;
  *hi = b;
}

RERANK_AVX2 void quantize_u8(const float* x, std::int64_t n, float inv_scale, std::int32_t zp, std::uint8_t* out,
                             Activation act) {
  const __m256 sv = _mm256_set1_ps(inv_scale);
  const __m256i zv = _mm256_set1_epi32(zp);
  // packs/packus saturate to [0, 255] but work within 128-bit lanes; this permutation
  // restores element order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  std::int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i ab = _mm256_packs_epi32(quantise8(x + i, act, sv, zv), quantise8(x + i + 8, act, sv, zv));
    const __m256i cd = _mm256_packs_epi32(quantise8(x + i + 16, act, sv, zv), quantise8(x + i + 24, act, sv, zv));
    const __m256i bytes = _mm256_packus_epi16(ab, cd);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_permutevar8x32_epi32(bytes, order));
  }
  if (i < n) {  // the last < 32 through a local block
    alignas(32) float in[32] = {};
    alignas(32) std::uint8_t bytes[32];
    std::memcpy(in, x + i, static_cast<std::size_t>(n - i) * sizeof(float));
    quantize_u8(in, 32, inv_scale, zp, bytes, act);
    std::memcpy(out + i, bytes, static_cast<std::size_t>(n - i));
  }
}

RERANK_AVX2 void activation_inplace(float* x, std::int64_t n, Activation act) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, activate(_mm256_loadu_ps(x + i), act));
  if (i < n) {
    alignas(32) float tail[8] = {};
    std::memcpy(tail, x + i, static_cast<std::size_t>(n - i) * sizeof(float));
    _mm256_store_ps(tail, activate(_mm256_load_ps(tail), act));
    std::memcpy(x + i, tail, static_cast<std::size_t>(n - i) * sizeof(float));
  }
}

}  // namespace rerank::engine::cpu::avx2
