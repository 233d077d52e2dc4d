// T5 against a naive double-precision model written here from transformers' modeling_t5.py,
// on the variants the t5-mono fixture lacks: gated-GELU feed-forwards (wi_0, wi_1, gelu_new),
// an untied lm_head without the d_model^-0.5 rescale, heads * d_kv != d_model, more decoder
// than encoder layers, and 4.x config keys (feed_forward_proj only). Also the fixture's own
// variant (ReLU, tied, rescaled) on another shape. Checkpoints are written as users have them
// (config.json + bf16 model.safetensors). Tolerance 1e-4 per logit.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "models/t5_config.hpp"
#include "support/random_checkpoint.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

using Vec = std::vector<double>;
using Mat = std::vector<Vec>;

struct Shape {
  std::string name;
  std::int64_t vocab = 97, d_model = 48, d_kv = 12, d_ff = 72, heads = 5, layers = 2, decoder_layers = 3;
  bool gated = true, tied = false;
  std::int64_t buckets = 16, max_distance = 20;
  std::int32_t start = 0;
};

using Tensor = rerank::testing::RandomTensor;
using Weights = rerank::testing::RandomBf16Checkpoint;


Vec mul(const Weights& w, const std::string& name, const Vec& x) {  // nn.Linear without bias
  const Tensor& m = w[name];
  Vec y(static_cast<std::size_t>(m.shape[0]), 0.0);
  for (std::size_t o = 0; o < y.size(); ++o)
    for (std::size_t i = 0; i < x.size(); ++i) y[o] += double(m.values[o * x.size() + i]) * x[i];
  return y;
}

Vec rms(const Weights& w, const std::string& name, const Vec& x) {  // T5LayerNorm, eps 1e-6
  double ms = 0;
  for (double v : x) ms += v * v;
  ms /= double(x.size());
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] / std::sqrt(ms + 1e-6) * w[name].values[i];
  return y;
}

double gelu_new(double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }

Vec ff(const Weights& w, const std::string& p, const Vec& x, const Shape& s) {
  const Vec n = rms(w, p + ".layer_norm.weight", x);
  Vec h;
  if (s.gated) {
    const Vec a = mul(w, p + ".DenseReluDense.wi_0.weight", n), b = mul(w, p + ".DenseReluDense.wi_1.weight", n);
    for (std::size_t i = 0; i < a.size(); ++i) h.push_back(gelu_new(a[i]) * b[i]);
  } else {
    h = mul(w, p + ".DenseReluDense.wi.weight", n);
    for (double& v : h) v = std::max(0.0, v);
  }
  const Vec o = mul(w, p + ".DenseReluDense.wo.weight", h);
  Vec y = x;
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += o[i];
  return y;
}

// Attention of queries q over keys k / values v ([rows x heads*d_kv]), no scaling, plus bias.
Mat attend(const Mat& q, const Mat& k, const Mat& v, const Shape& s, const std::function<double(std::int64_t, std::size_t, std::size_t)>& bias) {
  const std::size_t d = static_cast<std::size_t>(s.d_kv);
  Mat out(q.size(), Vec(static_cast<std::size_t>(s.heads * s.d_kv), 0.0));
  for (std::int64_t h = 0; h < s.heads; ++h) {
    for (std::size_t i = 0; i < q.size(); ++i) {
      Vec sc(k.size());
      double top = -INFINITY, sum = 0;
      for (std::size_t j = 0; j < k.size(); ++j) {
        double dot = 0;
        for (std::size_t c = 0; c < d; ++c) dot += q[i][h * d + c] * k[j][h * d + c];
        sc[j] = dot + bias(h, i, j);
        top = std::max(top, sc[j]);
      }
      for (double& e : sc) sum += (e = std::exp(e - top));
      for (std::size_t j = 0; j < k.size(); ++j)
        for (std::size_t c = 0; c < d; ++c) out[i][h * d + c] += sc[j] / sum * v[j][h * d + c];
    }
  }
  return out;
}

Vec naive_first_step(const Weights& w, const Shape& s, const std::vector<std::int32_t>& ids) {
  const Tensor& shared = w["shared.weight"];
  auto embed = [&](std::int32_t id) { return Vec(shared.values.begin() + id * s.d_model, shared.values.begin() + (id + 1) * s.d_model); };
  Mat x;
  for (auto id : ids) x.push_back(embed(id));
  const Tensor& rel = w["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"];
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "encoder.block." + std::to_string(l) + ".layer.";
    Mat q, k, v;
    for (const auto& t : x) {
      const Vec n = rms(w, p + "0.layer_norm.weight", t);
      q.push_back(mul(w, p + "0.SelfAttention.q.weight", n));
      k.push_back(mul(w, p + "0.SelfAttention.k.weight", n));
      v.push_back(mul(w, p + "0.SelfAttention.v.weight", n));
    }
    const Mat ctx = attend(q, k, v, s, [&](std::int64_t h, std::size_t i, std::size_t j) {
      const std::int64_t b = t5_relative_position_bucket(static_cast<std::int64_t>(j) - static_cast<std::int64_t>(i), true, s.buckets, s.max_distance);
      return double(rel.values[static_cast<std::size_t>(b * s.heads + h)]);
    });
    for (std::size_t t = 0; t < x.size(); ++t) {
      const Vec o = mul(w, p + "0.SelfAttention.o.weight", ctx[t]);
      for (std::size_t c = 0; c < o.size(); ++c) x[t][c] += o[c];
      x[t] = ff(w, p + "1", x[t], s);
    }
  }
  for (auto& t : x) t = rms(w, "encoder.final_layer_norm.weight", t);
  Vec y = embed(s.start);
  for (std::int64_t l = 0; l < s.decoder_layers; ++l) {
    const std::string p = "decoder.block." + std::to_string(l) + ".layer.";
    const Vec n0 = rms(w, p + "0.layer_norm.weight", y);
    const Vec self = mul(w, p + "0.SelfAttention.o.weight", mul(w, p + "0.SelfAttention.v.weight", n0));
    for (std::size_t c = 0; c < y.size(); ++c) y[c] += self[c];
    const Vec n1 = rms(w, p + "1.layer_norm.weight", y);
    Mat k, v;
    for (const auto& t : x) {
      k.push_back(mul(w, p + "1.EncDecAttention.k.weight", t));
      v.push_back(mul(w, p + "1.EncDecAttention.v.weight", t));
    }
    const Mat ctx = attend({mul(w, p + "1.EncDecAttention.q.weight", n1)}, k, v, s, [](std::int64_t, std::size_t, std::size_t) { return 0.0; });
    const Vec cross = mul(w, p + "1.EncDecAttention.o.weight", ctx[0]);
    for (std::size_t c = 0; c < y.size(); ++c) y[c] += cross[c];
    y = ff(w, p + "2", y, s);
  }
  y = rms(w, "decoder.final_layer_norm.weight", y);
  if (s.tied) {
    for (double& v : y) v *= std::pow(double(s.d_model), -0.5);
    return mul(w, "shared.weight", y);
  }
  return mul(w, "lm_head.weight", y);
}

Weights weights_of(const Shape& s) {
  Weights w(11);
  const std::int64_t inner = s.heads * s.d_kv;
  w.add("shared.weight", {s.vocab, s.d_model}, 0.0, 1.0);
  if (!s.tied) w.matrix("lm_head.weight", s.vocab, s.d_model);
  auto block_ff = [&](const std::string& p) {
    w.add(p + ".layer_norm.weight", {s.d_model}, 1.0, 0.1);
    if (s.gated) {
      w.matrix(p + ".DenseReluDense.wi_0.weight", s.d_ff, s.d_model);
      w.matrix(p + ".DenseReluDense.wi_1.weight", s.d_ff, s.d_model);
    } else {
      w.matrix(p + ".DenseReluDense.wi.weight", s.d_ff, s.d_model);
    }
    w.matrix(p + ".DenseReluDense.wo.weight", s.d_model, s.d_ff);
  };
  auto attention = [&](const std::string& p) {
    for (const char* m : {"q", "k", "v"}) w.matrix(p + "." + m + ".weight", inner, s.d_model);
    w.matrix(p + ".o.weight", s.d_model, inner);
  };
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "encoder.block." + std::to_string(l) + ".layer.";
    w.add(p + "0.layer_norm.weight", {s.d_model}, 1.0, 0.1);
    attention(p + "0.SelfAttention");
    block_ff(p + "1");
  }
  w.add("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", {s.buckets, s.heads}, 0.0, 0.5);
  w.add("encoder.final_layer_norm.weight", {s.d_model}, 1.0, 0.1);
  for (std::int64_t l = 0; l < s.decoder_layers; ++l) {
    const std::string p = "decoder.block." + std::to_string(l) + ".layer.";
    w.add(p + "0.layer_norm.weight", {s.d_model}, 1.0, 0.1);
    attention(p + "0.SelfAttention");
    w.add(p + "1.layer_norm.weight", {s.d_model}, 1.0, 0.1);
    attention(p + "1.EncDecAttention");
    block_ff(p + "2");
  }
  w.add("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", {s.buckets, s.heads}, 0.0, 0.5);
  w.add("decoder.final_layer_norm.weight", {s.d_model}, 1.0, 0.1);
  return w;
}

class T5Naive : public ::testing::TestWithParam<Shape> {};

TEST_P(T5Naive, Fp32EngineMatchesTheNaiveModel) {
  const Shape& s = GetParam();
  rerank::testing::TempDir dir;
  const Weights w = weights_of(s);
  w.write_bf16(dir / "model.safetensors");
  nlohmann::json config = {{"architectures", {"T5ForConditionalGeneration"}}, {"model_type", "t5"},
                           {"vocab_size", s.vocab}, {"d_model", s.d_model}, {"d_kv", s.d_kv}, {"d_ff", s.d_ff},
                           {"num_layers", s.layers}, {"num_decoder_layers", s.decoder_layers}, {"num_heads", s.heads},
                           {"relative_attention_num_buckets", s.buckets}, {"relative_attention_max_distance", s.max_distance},
                           {"layer_norm_epsilon", 1e-6}, {"feed_forward_proj", s.gated ? "gated-gelu" : "relu"},
                           {"tie_word_embeddings", s.tied}, {"decoder_start_token_id", s.start}, {"pad_token_id", 0}};
  std::ofstream(dir / "config.json") << config.dump(2);
  std::mt19937 gen(5);
  std::vector<std::vector<std::int32_t>> seqs;
  for (const int len : {1, 7, 30}) {  // 30 > max_distance: buckets saturate
    std::vector<std::int32_t> ids(static_cast<std::size_t>(len));
    for (auto& id : ids) id = static_cast<std::int32_t>(gen() % static_cast<unsigned>(s.vocab));
    seqs.push_back(ids);
  }
  auto model = load_model(dir.path(), engine::make_device({"cpu", 2}), engine::Precision::F32);
  engine::PackedBatch batch;
  for (const auto& ids : seqs) model->append_sequence(batch, ids, {});
  auto session = model->make_session();
  const std::vector<float> got = model->forward(*session, batch);
  ASSERT_EQ(got.size(), seqs.size() * static_cast<std::size_t>(s.vocab));
  double worst = 0, largest = 0;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const Vec want = naive_first_step(w, s, seqs[i]);
    for (std::size_t k = 0; k < want.size(); ++k) {
      worst = std::max(worst, std::fabs(double(got[i * want.size() + k]) - want[k]));
      largest = std::max(largest, std::fabs(want[k]));
    }
  }
  EXPECT_GT(largest, 0.05);
  EXPECT_LT(worst, 1e-4) << s.name;
}

Shape gated_untied() {
  Shape s;
  s.name = "gated_gelu_untied_inner_60_3_decoder_layers";
  return s;
}
Shape relu_tied() {
  Shape s;
  s.name = "relu_tied_rescaled";
  s.gated = false;
  s.tied = true;
  s.heads = 4;
  s.d_kv = 12;
  s.decoder_layers = 2;
  s.start = 3;
  return s;
}

INSTANTIATE_TEST_SUITE_P(Variants, T5Naive, ::testing::Values(gated_untied(), relu_tied()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace rerank::models
