// AVX-512 building blocks shared by the AVX-512 kernel files: each function carries the
// AVX-512F target attribute, so a caller compiled for a superset (the bf16 attention kernel)
// can inline it. Include only from files whose functions run after cpu_features() saw AVX-512.
#pragma once

#include <immintrin.h>

#include "engine/cpu/activation_math.hpp"
#include "engine/types.hpp"

// GCC 12's AVX-512 headers pass _mm512_undefined_*() as the unused merge source of unpacks,
// lane shuffles and conversions, which -Wmaybe-uninitialized reports at every call (GCC bug
// 105593, fixed in 13). Only the AVX-512 kernel files include this header.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define RERANK_AVX512 __attribute__((target("avx512f,avx2,fma")))

namespace rerank::engine::cpu::avx512 {

// 2^x for x in [-150, 0]: x = n + f with f in [-0.5, 0.5], 2^f by a degree-5 polynomial
// (Chebyshev fit, relative error 1.7e-7, as fine as the AVX2 kernels' Cephes exp), times 2^n
// by vscalefps, which also flushes 2^-150 to zero: half the instructions of the AVX2 exp.
RERANK_AVX512 inline __m512 exp2_nonpositive(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-150.0f));
  const __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(x, n);
  __m512 p = _mm512_set1_ps(1.340043265e-03f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.676037356e-03f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.550327152e-02f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.402210683e-01f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.931471825e-01f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.000000119e+00f));
  return _mm512_scalef_ps(p, n);
}

// 1 / d to ~2^-28: the 14-bit estimate and one Newton step (vdivps is ~10x its cost).
RERANK_AVX512 inline __m512 reciprocal(__m512 d) {
  const __m512 r = _mm512_rcp14_ps(d);
  return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

// erfc(a), a >= 0, by activation_math.hpp's form and fit.
RERANK_AVX512 inline __m512 erfc_nonnegative(__m512 a) {
  a = _mm512_min_ps(a, _mm512_set1_ps(kErfcMaxArgument));
  const __m512 t = reciprocal(_mm512_fmadd_ps(a, _mm512_set1_ps(0.5f), _mm512_set1_ps(1.0f)));
  __m512 p = _mm512_set1_ps(kErfcPoly[7]);
  for (int i = 6; i >= 0; --i) p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(kErfcPoly[i]));
  const __m512 exponent = _mm512_mul_ps(_mm512_fnmadd_ps(a, a, p), _mm512_set1_ps(1.44269504088896341f));
  return _mm512_mul_ps(t, exp2_nonpositive(exponent));
}

// 1 / (1 + exp(-z)) without overflow: e = exp(-|z|) <= 1, then 1 / (1 + e), or e / (1 + e)
// for z < 0.
RERANK_AVX512 inline __m512 sigmoid(__m512 z) {
  const __m512 abs_z = _mm512_abs_ps(z);
  const __m512 e = exp2_nonpositive(_mm512_mul_ps(abs_z, _mm512_set1_ps(-1.44269504088896341f)));
  const __m512 r = reciprocal(_mm512_add_ps(_mm512_set1_ps(1.0f), e));
  const __mmask16 negative = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_LT_OQ);
  return _mm512_mask_mul_ps(r, negative, e, r);
}

// act(x) for the activations has_activation() names (others: x unchanged).
RERANK_AVX512 inline __m512 activate(__m512 x, Activation act) {
  switch (act) {
    case Activation::GeluErf: {
      // x Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2: erfc of |x| / sqrt 2, mirrored for x > 0.
      const __m512 half_e = _mm512_mul_ps(
          _mm512_set1_ps(0.5f), erfc_nonnegative(_mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(0.70710678118654752f))));
      const __mmask16 positive = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
      const __m512 phi = _mm512_mask_sub_ps(half_e, positive, _mm512_set1_ps(1.0f), half_e);
      return _mm512_mul_ps(x, phi);
    }
    case Activation::GeluTanh: {
      // 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2 / pi) (x + 0.044715 x^3).
      const __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
      const __m512 u = _mm512_fmadd_ps(x3, _mm512_set1_ps(0.044715f), x);
      return _mm512_mul_ps(x, sigmoid(_mm512_mul_ps(u, _mm512_set1_ps(2.0f * 0.7978845608028654f))));
    }
    case Activation::Silu: return _mm512_mul_ps(x, sigmoid(x));
    case Activation::Relu: return _mm512_max_ps(x, _mm512_setzero_ps());
    default: return x;
  }
}

}  // namespace rerank::engine::cpu::avx512
