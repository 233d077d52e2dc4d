// The ops ModernBERT added, against naive double-precision references written from
// transformers' code: ModernBertMLP's `act(input) * gate` (input, gate = Wi(x).chunk(2)),
// nn.LayerNorm(bias=False), and the masked mean of ModernBertForSequenceClassification's
// classifier_pooling "mean". fp32 within 1e-6 of the output's magnitude (one fp32 rounding
// per step; erf and the mean's sum are the only other error).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "engine/device_factory.hpp"
#include "rerank/error.hpp"

namespace rerank::engine {
namespace {

std::vector<float> random_values(std::size_t n, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

double relative(const std::vector<double>& want, const float* got) {
  double diff = 0, mag = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::fabs(want[i] - got[i]));
    mag = std::max(mag, std::fabs(want[i]));
  }
  return diff / mag;
}

class NewOps : public ::testing::Test {
 protected:
  void SetUp() override {
    dev_ = make_device({"cpu", 2});
    s_ = dev_->make_session();
    s_->begin();
  }
  Matrix put(const std::vector<float>& v, std::int64_t rows, std::int64_t cols) {
    Matrix m = s_->alloc(rows, cols);
    std::copy(v.begin(), v.end(), m.data);
    return m;
  }
  std::unique_ptr<Device> dev_;
  std::unique_ptr<Session> s_;
};

TEST_F(NewOps, GatedActivationIsActOfTheFirstHalfTimesTheSecond) {
  for (const std::int64_t m : {1, 7, 96}) {
    const std::int64_t rows = 13;
    const auto v = random_values(static_cast<std::size_t>(rows * 2 * m), 3 + static_cast<std::uint32_t>(m), 2.0f);
    Matrix x = put(v, rows, 2 * m), out = s_->alloc(rows, m);
    for (const Activation act : {Activation::GeluErf, Activation::GeluTanh, Activation::Relu, Activation::Silu}) {
      s_->gated_activation(x, out, act);
      std::vector<double> want(static_cast<std::size_t>(rows * m));
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < m; ++c) {
          const double in = v[r * 2 * m + c], gate = v[r * 2 * m + m + c];
          double a = in;
          if (act == Activation::GeluErf) a = 0.5 * in * (1 + std::erf(in / std::sqrt(2.0)));
          if (act == Activation::GeluTanh)
            a = 0.5 * in * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (in + 0.044715 * in * in * in)));
          if (act == Activation::Relu) a = std::max(0.0, in);
          if (act == Activation::Silu) a = in / (1 + std::exp(-in));  // SwiGLU (Qwen3MLP)
          want[r * m + c] = a * gate;
        }
      }
      EXPECT_LE(relative(want, out.data), 1e-6) << "m " << m << " act " << static_cast<int>(act);
    }
  }
  Matrix wrong = s_->alloc(13, 5);
  Matrix x = s_->alloc(13, 12);
  EXPECT_THROW(s_->gated_activation(x, wrong, Activation::GeluErf), Error);
}

TEST_F(NewOps, LayerNormWithoutBiasIsNormTimesGamma) {
  const std::int64_t rows = 9, cols = 64;
  const auto v = random_values(rows * cols, 11, 3.0f);
  const auto g = random_values(cols, 12);
  Matrix x = put(v, rows, cols);
  auto gamma = dev_->upload(g);
  s_->layer_norm(x, *gamma, nullptr, 1e-5f);
  std::vector<double> want(v.size());
  for (std::int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (std::int64_t c = 0; c < cols; ++c) mean += v[r * cols + c];
    mean /= cols;
    for (std::int64_t c = 0; c < cols; ++c) var += (v[r * cols + c] - mean) * (v[r * cols + c] - mean);
    var /= cols;
    for (std::int64_t c = 0; c < cols; ++c) want[r * cols + c] = (v[r * cols + c] - mean) / std::sqrt(var + 1e-5) * g[c];
  }
  EXPECT_LE(relative(want, x.data), 1e-6);
}

// T5LayerNorm / RMSNorm: x * rsqrt(mean(x^2) + eps) * weight, no mean subtracted, no bias.
TEST_F(NewOps, RmsNormScalesByTheRootMeanSquare) {
  const std::int64_t rows = 7, cols = 40;
  const auto v = random_values(rows * cols, 31, 2.0f);
  const auto g = random_values(cols, 32);
  Matrix x = put(v, rows, cols);
  auto gamma = dev_->upload(g);
  s_->rms_norm(x, *gamma, 1e-6f);
  std::vector<double> want(v.size());
  for (std::int64_t r = 0; r < rows; ++r) {
    double ms = 0;
    for (std::int64_t c = 0; c < cols; ++c) ms += double(v[r * cols + c]) * v[r * cols + c];
    ms /= cols;
    for (std::int64_t c = 0; c < cols; ++c) want[r * cols + c] = v[r * cols + c] / std::sqrt(ms + 1e-6) * g[c];
  }
  EXPECT_LE(relative(want, x.data), 1e-6);
  auto short_gamma = dev_->upload(std::vector<float>(3, 1.0f));
  EXPECT_THROW(s_->rms_norm(x, *short_gamma, 1e-6f), Error);
}

TEST_F(NewOps, RmsNormHeadsNormalisesEachHeadOfTheNamedColumns) {
  // A fused Q|K|V of 3 query heads and 2 KV heads of width 8: normalise K's heads only.
  const std::int64_t rows = 5, d = 8, q_heads = 3, kv_heads = 2, cols = (q_heads + 2 * kv_heads) * d;
  const auto v = random_values(rows * cols, 41, 3.0f);
  const auto g = random_values(d, 42);
  Matrix x = put(v, rows, cols);
  auto gamma = dev_->upload(g);
  s_->rms_norm_heads(x, q_heads * d, kv_heads, *gamma, 1e-6f);
  std::vector<double> want(v.begin(), v.end());
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t h = 0; h < kv_heads; ++h) {
      const std::int64_t first = r * cols + (q_heads + h) * d;
      double ms = 0;
      for (std::int64_t c = 0; c < d; ++c) ms += double(v[first + c]) * v[first + c];
      ms /= d;
      for (std::int64_t c = 0; c < d; ++c) want[first + c] = v[first + c] / std::sqrt(ms + 1e-6) * g[c];
    }
  }
  EXPECT_LE(relative(want, x.data), 1e-6);
  // Q's and V's columns are untouched, bit for bit.
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      if (c >= q_heads * d && c < (q_heads + kv_heads) * d) continue;
      ASSERT_EQ(x.data[r * cols + c], v[r * cols + c]) << r << "," << c;
    }
  }
  // Heads past the row's end are refused.
  EXPECT_THROW(s_->rms_norm_heads(x, q_heads * d, 5, *gamma, 1e-6f), Error);
  EXPECT_THROW(s_->rms_norm_heads(x, -1, 1, *gamma, 1e-6f), Error);
}

TEST_F(NewOps, SiluLinearEpilogueAndActivationMatchXTimesSigmoid) {
  const std::int64_t rows = 6, in = 16, out_f = 12;
  const auto xv = random_values(rows * in, 51, 2.0f);
  const auto wv = random_values(out_f * in, 52, 0.5f);
  Matrix x = put(xv, rows, in), y = s_->alloc(rows, out_f);
  auto w = dev_->make_linear(wv, {}, out_f, in, Precision::F32);
  s_->linear(x, *w, y, {Activation::Silu, false});
  std::vector<double> want(static_cast<std::size_t>(rows * out_f));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t o = 0; o < out_f; ++o) {
      double z = 0;
      for (std::int64_t k = 0; k < in; ++k) z += double(xv[r * in + k]) * wv[o * in + k];
      want[r * out_f + o] = z / (1 + std::exp(-z));
    }
  }
  EXPECT_LE(relative(want, y.data), 1e-5);  // oneDNN's GEMM sums in its own order
  Matrix a = put(xv, rows, in);
  s_->activation(a, Activation::Silu);
  std::vector<double> want_a(xv.size());
  for (std::size_t i = 0; i < xv.size(); ++i) want_a[i] = xv[i] / (1 + std::exp(-double(xv[i])));
  EXPECT_LE(relative(want_a, a.data), 1e-6);
}

TEST_F(NewOps, MeanRowsAveragesEachSequence) {
  const std::int64_t cols = 24;
  const std::vector<std::int32_t> starts{0, 1, 8, 40};
  const auto v = random_values(40 * cols, 21);
  Matrix x = put(v, 40, cols), out = s_->alloc(3, cols);
  s_->mean_rows(x, starts, out);
  std::vector<double> want(3 * cols, 0.0);
  for (std::size_t s = 0; s < 3; ++s) {
    for (std::int64_t r = starts[s]; r < starts[s + 1]; ++r)
      for (std::int64_t c = 0; c < cols; ++c) want[s * cols + c] += v[r * cols + c];
    for (std::int64_t c = 0; c < cols; ++c) want[s * cols + c] /= starts[s + 1] - starts[s];
  }
  EXPECT_LE(relative(want, out.data), 1e-6);
  const std::vector<std::int32_t> empty_sequence{0, 5, 5, 40};
  EXPECT_THROW(s_->mean_rows(x, empty_sequence, out), Error);
}

}  // namespace
}  // namespace rerank::engine
