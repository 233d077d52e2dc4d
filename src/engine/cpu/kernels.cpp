// Portable kernels and the run-time dispatch to the SIMD ones.
#include "engine/cpu/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/cpu/activation_math.hpp"
#include "engine/cpu/cpu_features.hpp"

namespace rerank::engine::cpu {

namespace {

bool use_avx2() {
  static const bool yes = cpu_features().avx2;
  return yes;
}

bool use_avx512() {
  static const bool yes = cpu_features().avx512f && cpu_features().avx2;
  return yes;
}

// The activations the SIMD kernels compute (GELU in both forms, SiLU, ReLU, none). tanh stays
// portable: through exp, (1 - e) / (1 + e) loses tanh's relative precision near 0.
bool simd_activation(Activation act) {
  return act == Activation::None || act == Activation::GeluErf || act == Activation::GeluTanh ||
         act == Activation::Silu || act == Activation::Relu;
}

bool use_avx512bf16() {
  static const bool yes = cpu_features().avx512bf16 && cpu_features().avx512bw && cpu_features().avx2;
  return yes;
}

void attention_head_generic(const AttentionHeadArgs& a) {
  float* s = a.scratch;  // one row of scores
  for (std::int64_t i = 0; i < a.t; ++i) {
    const auto [lo, hi] = keys_of(a, i);
    const float* qi = a.q + i * a.ld;
    for (std::int64_t j = lo; j < hi; ++j) {
      const float* kj = a.k + j * a.ld;
      float dot = 0.0f;
      for (std::int64_t c = 0; c < a.d; ++c) dot += qi[c] * kj[c];
      s[j] = dot;
    }
    const float scale = bias_scores(s, a, i, lo, hi);
    float m = -std::numeric_limits<float>::infinity();
    for (std::int64_t j = lo; j < hi; ++j) m = std::max(m, s[j]);
    float sum = 0.0f;
    for (std::int64_t j = lo; j < hi; ++j) {
      s[j] = std::exp((s[j] - m) * scale);
      sum += s[j];
    }
    const float inv = 1.0f / sum;
    float* oi = a.out + i * a.ldo;
    for (std::int64_t c = 0; c < a.d; ++c) oi[c] = 0.0f;
    for (std::int64_t j = lo; j < hi; ++j) {
      const float* vj = a.v + j * a.ld;
      const float p = s[j] * inv;
      for (std::int64_t c = 0; c < a.d; ++c) oi[c] += p * vj[c];
    }
  }
}

void layer_norm_generic(float* x, std::int64_t rows, std::int64_t cols, std::int64_t ld, const float* g,
                        const float* b, float eps) {
  for (std::int64_t r = 0; r < rows; ++r) {
    float* row = x + r * ld;
    double mean = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) mean += row[c];
    mean /= static_cast<double>(cols);
    double var = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) var += (row[c] - mean) * (row[c] - mean);
    var /= static_cast<double>(cols);
    const float rstd = static_cast<float>(1.0 / std::sqrt(var + eps));
    const auto m = static_cast<float>(mean);
    for (std::int64_t c = 0; c < cols; ++c) row[c] = (row[c] - m) * rstd * g[c] + b[c];
  }
}

}  // namespace

const char* kernels_isa() {
  if (use_avx512bf16() && cpu_features().amx_bf16) {
    return "avx2, activations, quantisation and fp32 attention products avx512, attention of bf16/int8 models "
           "amx_bf16";
  }
  if (use_avx512bf16()) {
    return "avx2, activations, quantisation and fp32 attention products avx512, attention of bf16/int8 models "
           "avx512_bf16";
  }
  if (use_avx512()) return "avx2, activations, quantisation and fp32 attention products avx512";
  return use_avx2() ? "avx2" : "generic";
}

std::size_t attention_scratch_floats(std::int64_t t, std::int64_t d) {
  const std::int64_t t16 = (t + 15) / 16 * 16;
  const std::int64_t d16 = (d + 15) / 16 * 16;
  // fp32 kernel: K^T [d x t16], V [t x d16], S [4 x t16], O [4 x d16].
  const std::int64_t fp32_layout = d * t16 + t * d16 + 4 * t16 + 4 * d16;
  // bf16 kernels (kernels_avx512bf16.cpp): packed K, V, the Q and P tiles in bf16, then S and O,
  // as many rows as the taller tile (AMX's).
  const std::int64_t pairs = (d + 1) / 2;
  const std::int64_t rows = std::max(avx512bf16::kBf16TileRows, avx512bf16::kAmxTileRows);
  const std::int64_t bf16_units = pairs * t16 * 2 + t16 * d16 + rows * 2 * pairs + rows * t16;
  const std::int64_t bf16_layout = (bf16_units + 31) / 32 * 16 + rows * t16 + rows * d16;
  return static_cast<std::size_t>(std::max(fp32_layout, bf16_layout) + 64);  // plus alignment slack
}

void attention_head(const AttentionHeadArgs& a) {
  if (a.bf16 && use_avx512bf16()) {
    if (cpu_features().amx_bf16) {
      avx512bf16::attention_head_amx(a);
    } else {
      avx512bf16::attention_head(a);
    }
    return;
  }
  if (use_avx2()) {
    avx2::attention_head(a, use_avx512() ? avx512::products_x16 : nullptr);
  } else {
    attention_head_generic(a);
  }
}

void layer_norm_rows(float* x, std::int64_t rows, std::int64_t cols, std::int64_t ld, const float* g,
                     const float* b, float eps) {
  if (use_avx2()) {
    avx2::layer_norm_rows(x, rows, cols, ld, g, b, eps);
  } else {
    layer_norm_generic(x, rows, cols, ld, g, b, eps);
  }
}

void activation_inplace(float* x, std::int64_t n, Activation act) {
  if (act == Activation::None) return;
  if (simd_activation(act) && use_avx512()) return avx512::activation_inplace(x, n, act);
  if (simd_activation(act) && use_avx2()) return avx2::activation_inplace(x, n, act);
  for (std::int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(activation_value(x[i], act));
}

void min_max(const float* x, std::int64_t n, float* lo, float* hi) {
  if (use_avx2()) return avx2::min_max(x, n, lo, hi);
  float a = std::numeric_limits<float>::infinity(), b = -a;
  for (std::int64_t i = 0; i < n; ++i) {
    a = std::min(a, x[i]);
    b = std::max(b, x[i]);
  }
  *lo = a;
  *hi = b;
}

void quantize_u8(const float* x, std::int64_t n, float inv_scale, std::int32_t zp, std::uint8_t* out,
                 Activation act) {
  if (simd_activation(act) && use_avx512()) return avx512::quantize_u8(x, n, inv_scale, zp, out, act);
  if (simd_activation(act) && use_avx2()) return avx2::quantize_u8(x, n, inv_scale, zp, out, act);
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(activation_value(x[i], act));
    const float q = std::nearbyint(v * inv_scale) + static_cast<float>(zp);
    out[i] = static_cast<std::uint8_t>(std::clamp(q, 0.0f, 255.0f));
  }
}

void dequantize_sums(const std::int32_t* acc, std::int64_t n, float row_scale, float row_zero, const float* col_scale,
                     const float* col_sum, const float* bias, float* out, bool accumulate) {
  if (use_avx512()) return avx512::dequantize_sums(acc, n, row_scale, row_zero, col_scale, col_sum, bias, out, accumulate);
  for (std::int64_t c = 0; c < n; ++c) {
    const float v = row_scale * (col_scale[c] * (static_cast<float>(acc[c]) - row_zero * col_sum[c])) + bias[c];
    out[c] = accumulate ? out[c] + v : v;
  }
}

void round_to_bf16(float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(bf16_bits(x[i])) << 16;
    std::memcpy(x + i, &bits, 4);
  }
}

void to_bf16(const float* x, std::int64_t n, std::uint16_t* out, Activation act) {
  if (simd_activation(act) && use_avx512bf16()) return avx512bf16::to_bf16(x, n, out, act);
  for (std::int64_t i = 0; i < n; ++i) {
    out[i] = bf16_bits(act == Activation::None ? x[i] : static_cast<float>(activation_value(x[i], act)));
  }
}

}  // namespace rerank::engine::cpu
