// CPU kernels against plain double-precision references, on odd sizes that hit every tail.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "engine/arena.hpp"
#include "engine/cpu/activation_math.hpp"
#include "engine/cpu/cpu_features.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/cpu/parallel.hpp"

namespace rerank::engine::cpu {
namespace {

std::vector<float> random_vector(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// softmax(q k^T * scale) v in double precision.
std::vector<double> reference_attention(const std::vector<float>& qkv, std::int64_t t, std::int64_t d,
                                        std::int64_t ld, std::int64_t hidden) {
  std::vector<double> out(static_cast<std::size_t>(t * d));
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  for (std::int64_t i = 0; i < t; ++i) {
    std::vector<double> s(static_cast<std::size_t>(t));
    double m = -1e300;
    for (std::int64_t j = 0; j < t; ++j) {
      double dot = 0;
      for (std::int64_t c = 0; c < d; ++c) dot += double(qkv[i * ld + c]) * qkv[j * ld + hidden + c];
      s[j] = dot * scale;
      m = std::max(m, s[j]);
    }
    double sum = 0;
    for (auto& x : s) sum += (x = std::exp(x - m));
    for (std::int64_t c = 0; c < d; ++c) {
      double acc = 0;
      for (std::int64_t j = 0; j < t; ++j) acc += s[j] * qkv[j * ld + 2 * hidden + c];
      out[i * d + c] = acc / sum;
    }
  }
  return out;
}

class AttentionKernel : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(AttentionKernel, MatchesReference) {
  const auto [t, d] = GetParam();
  const std::int64_t hidden = d, ld = 3 * hidden;
  const auto qkv = random_vector(static_cast<std::size_t>(t * ld), 7, 2.0f);
  const auto expected = reference_attention(qkv, t, d, ld, hidden);
  std::vector<float> scratch(attention_scratch_floats(t, d) + 16);
  for (int impl = 0; impl < 2; ++impl) {
    if (impl == 1 && !cpu_features().avx2) continue;
    std::vector<float> out(static_cast<std::size_t>(t * d), -1.0f);
    AttentionHeadArgs a;
    a.q = qkv.data();
    a.k = qkv.data() + hidden;
    a.v = qkv.data() + 2 * hidden;
    a.ld = ld;
    a.out = out.data();
    a.ldo = d;
    a.t = t;
    a.d = d;
    a.scale = 1.0f / std::sqrt(static_cast<float>(d));
    a.scratch = scratch.data();
    if (impl == 1) {
      avx2::attention_head(a);
    } else {
      attention_head(a);
    }
    for (std::size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], expected[i], 2e-5) << "impl " << impl << " i " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, AttentionKernel,
                         ::testing::Values(std::make_tuple(1, 16), std::make_tuple(3, 16), std::make_tuple(5, 32),
                                           std::make_tuple(17, 64), std::make_tuple(37, 8), std::make_tuple(130, 24), std::make_tuple(29, 12), std::make_tuple(65, 20),
                                           std::make_tuple(300, 32)));

TEST(LayerNormKernel, MatchesReference) {
  for (std::int64_t cols : {1, 7, 64, 100, 384}) {
    const std::int64_t rows = 5;
    auto x = random_vector(static_cast<std::size_t>(rows * cols), 3, 3.0f);
    const auto g = random_vector(static_cast<std::size_t>(cols), 4);
    const auto b = random_vector(static_cast<std::size_t>(cols), 5);
    std::vector<double> expect(x.size());
    for (std::int64_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (std::int64_t c = 0; c < cols; ++c) mean += x[r * cols + c];
      mean /= cols;
      for (std::int64_t c = 0; c < cols; ++c) var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
      var /= cols;
      for (std::int64_t c = 0; c < cols; ++c) {
        expect[r * cols + c] = (x[r * cols + c] - mean) / std::sqrt(var + 1e-12) * g[c] + b[c];
      }
    }
    layer_norm_rows(x.data(), rows, cols, cols, g.data(), b.data(), 1e-12f);
    for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], expect[i], 2e-5) << cols << " " << i;
  }
}

TEST(QuantizeKernel, RoundsAndSaturates) {
  std::vector<float> x = random_vector(101, 9, 50.0f);
  x[0] = 1e6f;
  x[1] = -1e6f;
  std::vector<std::uint8_t> q(x.size());
  quantize_u8(x.data(), static_cast<std::int64_t>(x.size()), 0.5f, 128, q.data());
  EXPECT_EQ(q[0], 255);
  EXPECT_EQ(q[1], 0);
  for (std::size_t i = 2; i < x.size(); ++i) {
    const float expect = std::clamp(std::nearbyint(x[i] * 0.5f) + 128.0f, 0.0f, 255.0f);
    ASSERT_NEAR(q[i], expect, 1.0f) << i;  // ties may round either way
  }
  float lo, hi;
  min_max(x.data(), static_cast<std::int64_t>(x.size()), &lo, &hi);
  EXPECT_EQ(lo, -1e6f);
  EXPECT_EQ(hi, 1e6f);
}

// An int8 GEMM's raw sums to fp32 (dequantize_sums: the AVX-512 form by the dispatch where the
// CPU has it) against the formula in double, at every tail length, with and without the residual.
TEST(DequantizeSumsKernel, MatchesTheFormulaAtEveryLength) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::int32_t> acc_dist(-2000000, 2000000);
  for (std::int64_t n = 1; n <= 70; ++n) {
    std::vector<std::int32_t> acc(static_cast<std::size_t>(n));
    for (auto& a : acc) a = acc_dist(rng);
    const std::vector<float> col_scale = random_vector(static_cast<std::size_t>(n), 21, 0.01f);
    const std::vector<float> col_sum = random_vector(static_cast<std::size_t>(n), 22, 300.0f);
    const std::vector<float> bias = random_vector(static_cast<std::size_t>(n), 23);
    const std::vector<float> residual = random_vector(static_cast<std::size_t>(n), 24);
    const float row_scale = 0.0123f, row_zero = 117.0f;
    for (const bool accumulate : {false, true}) {
      std::vector<float> out = residual;
      dequantize_sums(acc.data(), n, row_scale, row_zero, col_scale.data(), col_sum.data(), bias.data(), out.data(),
                      accumulate);
      for (std::int64_t c = 0; c < n; ++c) {
        const auto i = static_cast<std::size_t>(c);
        const double expect = double{row_scale} * col_scale[i] * (acc[i] - double{row_zero} * col_sum[i]) + bias[i] +
                              (accumulate ? residual[i] : 0.0);
        // fp32's rounding of the sum (up to 2e6 * 0.01 * 0.0123 ~ 0.25 before the bias).
        ASSERT_NEAR(out[i], expect, 1e-5 * std::max(1.0, std::fabs(expect))) << n << " " << c << " " << accumulate;
      }
    }
  }
}

// Values over every region of the activations: GELU's tails (erfc's clamp at 9 sqrt 2),
// its minimum near -0.75, tiny and huge magnitudes, signed zeros.
std::vector<float> activation_inputs() {
  std::vector<float> v = random_vector(4000, 11, 3.0f);
  for (int i = 0; i <= 560; ++i) v.push_back(-14.0f + 0.05f * static_cast<float>(i));
  for (const float x : {0.0f, -0.0f, 1e-8f, -1e-8f, 1e-30f, 30.0f, -30.0f, 100.0f, -100.0f, 1e4f, -1e4f, -0.7517915f}) {
    v.push_back(x);
  }
  return v;
}

// The SIMD activations (AVX-512 or AVX2 by the dispatch; `make test` runs this file under
// both) against torch's formulas in double, at every tail length: within 1e-6 of max(1,
// |act(x)|), their fp32 rounding plus the approximations (erfc fit 6e-7, exp 1.7e-7).
TEST(ActivationKernel, MatchesTorchFormsInDouble) {
  const std::vector<float> x = activation_inputs();
  for (const Activation act :
       {Activation::GeluErf, Activation::GeluTanh, Activation::Silu, Activation::Relu, Activation::Tanh}) {
    double worst = 0.0;
    for (const std::int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, static_cast<int>(x.size())}) {
      std::vector<float> y(x.begin(), x.begin() + n);
      y.push_back(123.0f);  // past the end: must stay
      activation_inplace(y.data(), n, act);
      for (std::int64_t i = 0; i < n; ++i) {
        const double ref = activation_value(x[i], act);
        const double err = std::fabs(y[i] - ref) / std::max(1.0, std::fabs(ref));
        worst = std::max(worst, err);
        ASSERT_LE(err, 1e-6) << "act " << static_cast<int>(act) << " x " << x[i] << " got " << y[i] << " want " << ref;
      }
      ASSERT_EQ(y[n], 123.0f) << "wrote past n = " << n;
    }
    std::cout << "[ activation ] " << static_cast<int>(act) << " (" << cpu_features().summary()
              << "): max error / max(1, |act|) " << worst << "\n";
  }
}

// The int8 feed-forward's fused pass: quantising act(x) on the way gives exactly the bytes
// of quantising the activated values, at every tail length.
TEST(QuantizeKernel, AppliesTheActivationOnTheWay) {
  const std::vector<float> x = activation_inputs();
  for (const Activation act : {Activation::GeluErf, Activation::GeluTanh, Activation::Silu, Activation::Tanh}) {
    for (const std::int64_t n : {0, 1, 15, 16, 17, 31, 32, 33, 47, static_cast<int>(x.size())}) {
      std::vector<float> activated(x.begin(), x.begin() + n);
      activation_inplace(activated.data(), n, act);
      std::vector<std::uint8_t> fused(static_cast<std::size_t>(n) + 1, 7), plain(static_cast<std::size_t>(n));
      quantize_u8(x.data(), n, 40.0f, 9, fused.data(), act);
      quantize_u8(activated.data(), n, 40.0f, 9, plain.data());
      for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(fused[i], plain[i]) << "act " << static_cast<int>(act) << " n " << n;
      ASSERT_EQ(fused[n], 7) << "wrote past n = " << n;
    }
  }
}

// activation_range bounds act over an interval (what the fused int8 path quantises with),
// and tightly: its ends are act's extremes over the interval's samples, within its slack.
TEST(ActivationRange, BoundsTheActivatedValues) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> end(-6.0f, 6.0f);
  for (const Activation act : {Activation::GeluErf, Activation::GeluTanh, Activation::Silu, Activation::Relu,
                               Activation::Tanh, Activation::None}) {
    for (int trial = 0; trial < 200; ++trial) {
      float lo = end(rng), hi = end(rng);
      if (lo > hi) std::swap(lo, hi);
      std::vector<float> v(2001);
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = lo + (hi - lo) * static_cast<float>(i) / 2000.0f;
      v.back() = hi;
      activation_inplace(v.data(), static_cast<std::int64_t>(v.size()), act);
      const auto [a, b] = activation_range(act, lo, hi);
      const float seen_lo = *std::min_element(v.begin(), v.end()), seen_hi = *std::max_element(v.begin(), v.end());
      ASSERT_LE(a, seen_lo) << "act " << static_cast<int>(act) << " [" << lo << ", " << hi << "]";
      ASSERT_GE(b, seen_hi) << "act " << static_cast<int>(act) << " [" << lo << ", " << hi << "]";
      ASSERT_NEAR(a, seen_lo, 1e-4) << "act " << static_cast<int>(act) << " [" << lo << ", " << hi << "]";
      ASSERT_NEAR(b, seen_hi, 1e-5) << "act " << static_cast<int>(act) << " [" << lo << ", " << hi << "]";
    }
  }
}

TEST(Bf16Rounding, RoundsToNearestEven) {
  std::vector<float> v = {1.0f, 1.00390625f /* 1 + 2^-8: tie -> even (1.0) */, 1.01171875f /* tie -> 1.015625 */,
                          3.14159265f};
  round_to_bf16(v.data(), 4);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], 1.0f);
  EXPECT_EQ(v[2], 1.015625f);
  EXPECT_EQ(v[3], 3.140625f);
}

// to_bf16 (vcvtneps2bf16 where the CPU has AVX-512 BF16, 32 then 16 at a time, the tail
// masked) gives bit for bit the rounding of the scalar rule, ties included, at every length.
TEST(Bf16Rounding, GemmInputConversionMatchesTheScalarRuleAtEveryLength) {
  std::vector<float> v = random_vector(1000, 7, 3.0f);
  for (std::size_t i = 0; i < v.size(); i += 5) {  // exact ties: 1 + (2k + 1) 2^-8 times a scale
    v[i] = std::ldexp(1.0f + static_cast<float>(2 * (i % 64) + 1) / 256.0f, static_cast<int>(i % 11) - 5);
  }
  v[3] = 0.0f;
  v[4] = -0.0f;
  v[6] = std::numeric_limits<float>::infinity();
  v[8] = 3.3895314e38f;  // rounds up to bf16's largest finite value, not Inf
  for (const std::int64_t n : {0, 1, 15, 16, 17, 31, 32, 33, 63, 1000}) {
    std::vector<std::uint16_t> out(static_cast<std::size_t>(n) + 1, 0xABCD);
    to_bf16(v.data(), n, out.data());
    for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(out[i], bf16_bits(v[i])) << "n " << n << " i " << i;
    EXPECT_EQ(out[n], 0xABCD) << "wrote past n = " << n;
  }
  EXPECT_EQ(bf16_bits(1.00390625f), 0x3F80);  // a tie goes to the even 1.0
  EXPECT_EQ(bf16_bits(1.01171875f), 0x3F82);
}

TEST(Parallel, CoversEveryIndexOnce) {
  set_num_threads(2);
  std::vector<int> hits(1000, 0);
  parallel_for(1000, [&](std::int64_t b, std::int64_t e, int) {
    for (std::int64_t i = b; i < e; ++i) hits[static_cast<std::size_t>(i)]++;
  });
  parallel_for_dynamic(1000, [&](std::int64_t i, int) { hits[static_cast<std::size_t>(i)]++; });
  for (int h : hits) ASSERT_EQ(h, 2);
}

TEST(Arena, ReusesMemoryAfterReset) {
  engine::Arena arena;
  void* a = arena.allocate(100);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % 64, 0u);
  arena.allocate(3 << 20);  // forces a second block
  arena.reset();
  const std::size_t cap = arena.capacity();
  void* b = arena.allocate(100);
  arena.allocate(3 << 20);
  EXPECT_EQ(arena.capacity(), cap);  // one merged block now holds the whole pass
  EXPECT_NE(b, nullptr);
}

TEST(Arena, ScopeGivesBackWhatWasAllocatedInside) {
  engine::Arena arena;
  arena.allocate(100);
  const std::size_t used = arena.used();
  const std::size_t cap = arena.capacity();
  void* inside = nullptr;
  {
    const engine::Arena::Scope scope(arena);
    inside = arena.allocate(1000);
    arena.allocate(5 << 20);  // a second block, freed when the scope ends
    EXPECT_GT(arena.capacity(), cap);
  }
  EXPECT_EQ(arena.used(), used);
  EXPECT_EQ(arena.capacity(), cap);
  EXPECT_EQ(arena.allocate(1000), inside);  // the same memory again
  arena.reset();
  EXPECT_GE(arena.capacity(), std::size_t{(5 << 20) + 1000});  // the pass's peak fits one block
}

}  // namespace
}  // namespace rerank::engine::cpu
