// AVX-512F kernels: the activations and the int8 quantisation (with an activation applied on
// the way, the int8 feed-forward's fused path). Called only when cpu_features() saw AVX-512F.
#include <cstring>

#include "engine/cpu/kernels.hpp"
#include "engine/cpu/simd_avx512.hpp"

namespace rerank::engine::cpu::avx512 {

namespace {

// The first n (< 16) lanes.
inline __mmask16 first_lanes(std::int64_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

// clamp(round(act(x) * inv_scale) + zero point, 0, 255) as 16 bytes, rounding to nearest even
// (the default MXCSR mode, as std::nearbyint); the max with 0 first: vpmovusdb saturates as
// unsigned.
RERANK_AVX512 inline __m128i quantise16(__m512 x, Activation act, __m512 inv_scale, __m512i zero_point) {
  const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(activate(x, act), inv_scale)), zero_point);
  return _mm512_cvtusepi32_epi8(_mm512_max_epi32(q, _mm512_setzero_si512()));
}

// avx2's kernel_rx16 with one 16-wide vector per row instead of two 8-wide ones. Even and odd
// k steps sum into separate registers (2R chains of FMAs, as avx2's two halves give it): with
// R chains an FMA waits on its predecessor's latency and the 16-wide form gained nothing.
// Fully unrolled rows keep the sums in registers.
template <int R>
RERANK_AVX512 inline void products_rx16(const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                                        std::int64_t ldc, std::int64_t k) {
  __m512 even[R], odd[R];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) even[r] = odd[r] = _mm512_setzero_ps();
  std::int64_t p = 0;
  for (; p + 2 <= k; p += 2) {
    const __m512 b0 = _mm512_loadu_ps(b + p * ldb), b1 = _mm512_loadu_ps(b + (p + 1) * ldb);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      even[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + p]), b0, even[r]);
      odd[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + p + 1]), b1, odd[r]);
    }
  }
  if (p < k) {
    const __m512 b0 = _mm512_loadu_ps(b + p * ldb);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) even[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + p]), b0, even[r]);
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) _mm512_storeu_ps(c + r * ldc, _mm512_add_ps(even[r], odd[r]));
}

}  // namespace

RERANK_AVX512 void products_x16(int rows, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                                std::int64_t ldc, std::int64_t k) {
  switch (rows) {
    case 4: products_rx16<4>(a, lda, b, ldb, c, ldc, k); break;
    case 3: products_rx16<3>(a, lda, b, ldb, c, ldc, k); break;
    case 2: products_rx16<2>(a, lda, b, ldb, c, ldc, k); break;
    default: products_rx16<1>(a, lda, b, ldb, c, ldc, k); break;
  }
}

RERANK_AVX512 void activation_inplace(float* x, std::int64_t n, Activation act) {
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, activate(_mm512_loadu_ps(x + i), act));
  if (i < n) {
    const __mmask16 m = first_lanes(n - i);
    _mm512_mask_storeu_ps(x + i, m, activate(_mm512_maskz_loadu_ps(m, x + i), act));
  }
}

RERANK_AVX512 void dequantize_sums(const std::int32_t* acc, std::int64_t n, float row_scale, float row_zero,
                                   const float* col_scale, const float* col_sum, const float* bias, float* out,
                                   bool accumulate) {
  const __m512 rs = _mm512_set1_ps(row_scale), rz = _mm512_set1_ps(row_zero);
  for (std::int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : first_lanes(n - i);
    // The generic form's operations in its order (the products fused into the sums).
    const __m512 sums = _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, acc + i));
    const __m512 centred = _mm512_fnmadd_ps(rz, _mm512_maskz_loadu_ps(m, col_sum + i), sums);
    __m512 v = _mm512_fmadd_ps(rs, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, col_scale + i), centred),
                               _mm512_maskz_loadu_ps(m, bias + i));
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, out + i));
    _mm512_mask_storeu_ps(out + i, m, v);
  }
}

RERANK_AVX512 void quantize_u8(const float* x, std::int64_t n, float inv_scale, std::int32_t zp, std::uint8_t* out,
                               Activation act) {
  const __m512 sv = _mm512_set1_ps(inv_scale);
  const __m512i zv = _mm512_set1_epi32(zp);
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), quantise16(_mm512_loadu_ps(x + i), act, sv, zv));
  }
  if (i < n) {  // byte-masked stores need AVX-512BW: through a local vector
    alignas(16) std::uint8_t tail[16];
    const __m512 rest = _mm512_maskz_loadu_ps(first_lanes(n - i), x + i);
    _mm_store_si128(reinterpret_cast<__m128i*>(tail), quantise16(rest, act, sv, zv));
    std::memcpy(out + i, tail, static_cast<std::size_t>(n - i));
  }
}

}  // namespace rerank::engine::cpu::avx512
