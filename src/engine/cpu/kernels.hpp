// CPU kernels outside the GEMMs: layer norm, fused attention for one (sequence, head),
// activations, int8 activation quantisation, bf16 rounding. Each has a portable version and
// an AVX2+FMA version (kernels_avx2.cpp), some an AVX-512 one (kernels_avx512*.cpp), all
// compiled with target attributes; the choice is made once at run time from cpu_features().
// All pointers are plain host memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/types.hpp"

namespace rerank::engine::cpu {

struct AttentionHeadArgs {
  const float* q = nullptr;  // first token of the sequence, at this head's first column
  const float* k = nullptr;
  const float* v = nullptr;
  std::int64_t ld = 0;       // row stride of q, k, v (the packed Q|K|V matrix's width)
  float* out = nullptr;      // first token of the sequence, at this head's first column
  std::int64_t ldo = 0;      // row stride of out
  std::int64_t t = 0;        // tokens in the sequence
  std::int64_t d = 0;        // head dimension
  float scale = 1.0f;        // 1/sqrt(d), or any positive scale the spec states
  // >= 0: query i sees only keys j with |i - j| <= window (ModernBERT's local layers); the
  // kernel then computes only the scores inside the band.
  std::int64_t window = -1;
  // Query i sees only keys j <= i (decoders); with a window, both limits apply.
  bool causal = false;
  // Optional additive bias by relative position (T5): score(i, j) = scale * q.k +
  // bias[(clamp(j - i, -bias_max_distance, bias_max_distance) + bias_max_distance) * bias_stride].
  const float* bias = nullptr;
  std::int64_t bias_stride = 0, bias_max_distance = 0;
  float* scratch = nullptr;  // attention_scratch_floats(t, d) floats, 64-byte aligned
  // Products in bf16 (Q, K, V and the probabilities rounded to bf16, fp32 sums), where the
  // CPU has AVX-512 BF16: what a bf16 or int8 model asks for (its GEMMs already round their
  // inputs at least that much). Elsewhere, or false: fp32.
  bool bf16 = false;
};

// The keys query i sees: [lo, hi) (its window, then the causal limit).
struct KeyRange {
  std::int64_t lo, hi;
};
inline KeyRange keys_of(const AttentionHeadArgs& a, std::int64_t i) {
  const bool windowed = a.window >= 0;
  const std::int64_t lo = windowed ? (i - a.window > 0 ? i - a.window : 0) : 0;
  std::int64_t hi = windowed && i + a.window + 1 < a.t ? i + a.window + 1 : a.t;
  if (a.causal && i + 1 < hi) hi = i + 1;
  return {lo, hi};
}
// The keys any of queries [i0, i0 + rows) sees, from a multiple of 16 (the kernels' width):
// the scores computed for the tile.
inline KeyRange band_of(const AttentionHeadArgs& a, std::int64_t i0, std::int64_t rows) {
  return {keys_of(a, i0).lo / 16 * 16, keys_of(a, i0 + rows - 1).hi};
}

// With a relative bias (T5), query i's scores sr[lo, hi) become scale * s + bias(j - i) and the
// exponent takes them as they are (returns 1); without one they stay raw and the exponent
// scales them (returns scale). Every attention kernel's one rule for the bias.
inline float bias_scores(float* sr, const AttentionHeadArgs& a, std::int64_t i, std::int64_t lo, std::int64_t hi) {
  if (!a.bias) return a.scale;
  const std::int64_t dmax = a.bias_max_distance;
  for (std::int64_t j = lo; j < hi; ++j) {
    const std::int64_t distance = j - i < -dmax ? -dmax : j - i > dmax ? dmax : j - i;
    sr[j] = sr[j] * a.scale + a.bias[(distance + dmax) * a.bias_stride];
  }
  return 1.0f;
}

std::size_t attention_scratch_floats(std::int64_t t, std::int64_t d);
// softmax(q k^T * scale) v for one head of one sequence (within the window, if any).
void attention_head(const AttentionHeadArgs& args);

// x[r] = (x[r] - mean) / sqrt(var + eps) * gamma + beta for rows [0, rows), stride ld.
void layer_norm_rows(float* x, std::int64_t rows, std::int64_t cols, std::int64_t ld, const float* gamma,
                     const float* beta, float eps);

// x[i] = act(x[i]), as torch computes it (activation_value; the SIMD forms of GELU, SiLU and
// ReLU within 4e-7 of it).
void activation_inplace(float* x, std::int64_t n, Activation act);

void min_max(const float* x, std::int64_t n, float* lo, float* hi);
// out[i] = clamp(round(act(x[i]) * inv_scale) + zero_point, 0, 255)
void quantize_u8(const float* x, std::int64_t n, float inv_scale, std::int32_t zero_point, std::uint8_t* out,
                 Activation act = Activation::None);
// An int8 GEMM's raw sums for one row as fp32: out[c] = row_scale * col_scale[c] * (acc[c] -
// row_zero * col_sum[c]) + bias[c], added to out[c] when accumulate (the residual). The
// activations' scale and zero point are the row's (per-token) or the matrix's (per-tensor).
void dequantize_sums(const std::int32_t* acc, std::int64_t n, float row_scale, float row_zero, const float* col_scale,
                     const float* col_sum, const float* bias, float* out, bool accumulate);
// x's nearest bfloat16 (ties to even) as its 16 bits; Inf and NaN keep their upper half.
inline std::uint16_t bf16_bits(float x) {
  std::uint32_t bits;
  __builtin_memcpy(&bits, &x, sizeof(bits));
  if ((bits & 0x7f800000u) != 0x7f800000u) bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}
// Rounds each value to the nearest bfloat16, kept as fp32.
void round_to_bf16(float* x, std::int64_t n);
// out[i] = bf16_bits(act(x[i])): a bf16 GEMM's input (vcvtneps2bf16 where the CPU has
// AVX-512 BF16, the same rounding; a NaN stays a NaN).
void to_bf16(const float* x, std::int64_t n, std::uint16_t* out, Activation act = Activation::None);

// Which implementations the dispatch picked ("avx2", with the AVX-512 activations,
// quantisation and fp32 attention products and the bf16 (or AMX) attention kernel where the
// CPU has them, or "generic").
const char* kernels_isa();

// C[rows x 16] = A[rows x k] B[k x 16], rows <= 4, row strides lda, ldb, ldc: the fp32
// attention kernel's products (Q K^T and P V, 16 keys or value columns at a time).
using ProductsX16 = void (*)(int rows, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                             std::int64_t ldc, std::int64_t k);

namespace avx2 {
// products: the AVX-512 ones where the CPU has them (16 floats per FMA); nullptr: its own.
void attention_head(const AttentionHeadArgs& args, ProductsX16 products = nullptr);
void layer_norm_rows(float* x, std::int64_t rows, std::int64_t cols, std::int64_t ld, const float* gamma,
                     const float* beta, float eps);
void min_max(const float* x, std::int64_t n, float* lo, float* hi);
// act: one of those simd_activation() (kernels.cpp) accepts.
void quantize_u8(const float* x, std::int64_t n, float inv_scale, std::int32_t zero_point, std::uint8_t* out,
                 Activation act);
void activation_inplace(float* x, std::int64_t n, Activation act);
}  // namespace avx2

namespace avx512 {
void products_x16(int rows, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                  std::int64_t ldc, std::int64_t k);
void dequantize_sums(const std::int32_t* acc, std::int64_t n, float row_scale, float row_zero, const float* col_scale,
                     const float* col_sum, const float* bias, float* out, bool accumulate);
void quantize_u8(const float* x, std::int64_t n, float inv_scale, std::int32_t zero_point, std::uint8_t* out,
                 Activation act);
void activation_inplace(float* x, std::int64_t n, Activation act);
}  // namespace avx512

namespace avx512bf16 {
void to_bf16(const float* x, std::int64_t n, std::uint16_t* out, Activation act);
// Queries per tile (their scores, probabilities and outputs are the kernel's scratch rows).
// 8 rows, twice the vdpbf16ps per K or V vector loaded, measured no faster on Zen 4
// (bench/attention_kernel_bench.cpp): the products are bound by the multiplies, not loads.
inline constexpr std::int64_t kBf16TileRows = 4;
void attention_head(const AttentionHeadArgs& args);
// The same attention with its products on AMX tiles (cpu_features().amx_bf16), 16 queries at a
// time: the tile's height.
inline constexpr std::int64_t kAmxTileRows = 16;
void attention_head_amx(const AttentionHeadArgs& args);
}  // namespace avx512bf16

}  // namespace rerank::engine::cpu
