// Qwen3 against a naive double-precision model written here from transformers'
// modeling_qwen3.py (Qwen3RMSNorm, Qwen3Attention with q_norm/k_norm before rotate_half
// rotary embeddings, repeat_kv, causal softmax; Qwen3MLP down(silu(gate) * up)), on the
// variants the qwen3-pointwise fixture lacks: an untied lm_head, q/k/v/o biases
// (attention_bias), head_dim != hidden / heads, multi-query attention (one KV head), 4.x
// config keys (rope_theta + linear rope_scaling), and the -seq-cls classifier head.
// Checkpoints are written as users have them (config.json + bf16 model.safetensors).
// Tolerance 1e-4 per logit (fp32 engine vs double; observed ~1e-6).
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "support/random_checkpoint.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

using Vec = std::vector<double>;
using Weights = rerank::testing::RandomBf16Checkpoint;

struct Shape {
  std::string name;
  std::int64_t vocab = 91, hidden = 40, heads = 4, kv_heads = 2, head_dim = 12, ff = 56, layers = 2;
  bool tied = false, bias = false, classifier = false, v4_keys = false;
  double theta = 10000.0, linear_factor = 1.0;
};

Vec linear(const Weights& w, const std::string& name, const Vec& x, bool bias) {
  const auto& m = w[name + ".weight"];
  Vec y(static_cast<std::size_t>(m.shape[0]), 0.0);
  for (std::size_t o = 0; o < y.size(); ++o) {
    for (std::size_t i = 0; i < x.size(); ++i) y[o] += double(m.values[o * x.size() + i]) * x[i];
    if (bias) y[o] += w[name + ".bias"].values[o];
  }
  return y;
}

// Qwen3RMSNorm over x[first, first + n), eps 1e-6.
void rms(const Weights& w, const std::string& name, Vec& x, std::size_t first, std::size_t n) {
  double ms = 0;
  for (std::size_t i = 0; i < n; ++i) ms += x[first + i] * x[first + i];
  ms /= double(n);
  for (std::size_t i = 0; i < n; ++i) x[first + i] = x[first + i] / std::sqrt(ms + 1e-6) * w[name].values[i];
}

// rotate_half rotary embedding of one head at `position`.
void rope(Vec& x, std::size_t first, std::size_t d, std::size_t position, const Shape& s) {
  const std::size_t half = d / 2;
  Vec out(d);
  for (std::size_t c = 0; c < half; ++c) {
    const double inv_freq = 1.0 / std::pow(s.theta, double(2 * c) / double(d)) / s.linear_factor;
    const double a = double(position) * inv_freq;
    out[c] = x[first + c] * std::cos(a) - x[first + c + half] * std::sin(a);
    out[c + half] = x[first + c + half] * std::cos(a) + x[first + c] * std::sin(a);
  }
  std::copy(out.begin(), out.end(), x.begin() + static_cast<std::ptrdiff_t>(first));
}

// The head's outputs at the last token of `ids`.
Vec naive_forward(const Weights& w, const Shape& s, const std::vector<std::int32_t>& ids) {
  const std::size_t t = ids.size(), h = std::size_t(s.hidden), d = std::size_t(s.head_dim);
  const std::size_t nh = std::size_t(s.heads), nkv = std::size_t(s.kv_heads);
  std::vector<Vec> x(t, Vec(h));
  for (std::size_t i = 0; i < t; ++i)
    for (std::size_t c = 0; c < h; ++c) x[i][c] = w["model.embed_tokens.weight"].values[ids[i] * h + c];
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    std::vector<Vec> q(t), k(t), v(t);
    for (std::size_t i = 0; i < t; ++i) {
      Vec n = x[i];
      rms(w, p + "input_layernorm.weight", n, 0, h);
      q[i] = linear(w, p + "self_attn.q_proj", n, s.bias);
      k[i] = linear(w, p + "self_attn.k_proj", n, s.bias);
      v[i] = linear(w, p + "self_attn.v_proj", n, s.bias);
      for (std::size_t hh = 0; hh < nh; ++hh) {
        rms(w, p + "self_attn.q_norm.weight", q[i], hh * d, d);
        rope(q[i], hh * d, d, i, s);
      }
      for (std::size_t hh = 0; hh < nkv; ++hh) {
        rms(w, p + "self_attn.k_norm.weight", k[i], hh * d, d);
        rope(k[i], hh * d, d, i, s);
      }
    }
    for (std::size_t i = 0; i < t; ++i) {
      Vec context(nh * d, 0.0);
      for (std::size_t hh = 0; hh < nh; ++hh) {
        const std::size_t kvh = hh / (nh / nkv);  // repeat_kv
        Vec score(i + 1);
        double m = -1e300;
        for (std::size_t j = 0; j <= i; ++j) {
          double dot = 0;
          for (std::size_t c = 0; c < d; ++c) dot += q[i][hh * d + c] * k[j][kvh * d + c];
          score[j] = dot / std::sqrt(double(d));
          m = std::max(m, score[j]);
        }
        double sum = 0;
        for (double& e : score) sum += (e = std::exp(e - m));
        for (std::size_t j = 0; j <= i; ++j)
          for (std::size_t c = 0; c < d; ++c) context[hh * d + c] += score[j] / sum * v[j][kvh * d + c];
      }
      const Vec o = linear(w, p + "self_attn.o_proj", context, s.bias);
      for (std::size_t c = 0; c < h; ++c) x[i][c] += o[c];
    }
    for (std::size_t i = 0; i < t; ++i) {
      Vec n = x[i];
      rms(w, p + "post_attention_layernorm.weight", n, 0, h);
      const Vec gate = linear(w, p + "mlp.gate_proj", n, false), up = linear(w, p + "mlp.up_proj", n, false);
      Vec inner(gate.size());
      for (std::size_t c = 0; c < inner.size(); ++c) inner[c] = gate[c] / (1 + std::exp(-gate[c])) * up[c];
      const Vec down = linear(w, p + "mlp.down_proj", inner, false);
      for (std::size_t c = 0; c < h; ++c) x[i][c] += down[c];
    }
  }
  Vec last = x[t - 1];
  rms(w, "model.norm.weight", last, 0, h);
  if (s.classifier) return linear(w, "score", last, false);
  return linear(w, s.tied ? "model.embed_tokens" : "lm_head", last, false);
}

void write_checkpoint(const std::filesystem::path& dir, const Shape& s, Weights& w) {
  const std::int64_t q = s.heads * s.head_dim, kv = s.kv_heads * s.head_dim;
  w.add("model.embed_tokens.weight", {s.vocab, s.hidden}, 0.0, 1.0);
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    w.norm(p + "input_layernorm", s.hidden, false);
    w.linear(p + "self_attn.q_proj", q, s.hidden, s.bias);
    w.linear(p + "self_attn.k_proj", kv, s.hidden, s.bias);
    w.linear(p + "self_attn.v_proj", kv, s.hidden, s.bias);
    w.linear(p + "self_attn.o_proj", s.hidden, q, s.bias);
    w.norm(p + "self_attn.q_norm", s.head_dim, false);
    w.norm(p + "self_attn.k_norm", s.head_dim, false);
    w.norm(p + "post_attention_layernorm", s.hidden, false);
    w.linear(p + "mlp.gate_proj", s.ff, s.hidden, false);
    w.linear(p + "mlp.up_proj", s.ff, s.hidden, false);
    w.linear(p + "mlp.down_proj", s.hidden, s.ff, false);
  }
  w.norm("model.norm", s.hidden, false);
  if (s.classifier) {
    w.linear("score", 1, s.hidden, false);
  } else if (!s.tied) {
    w.linear("lm_head", s.vocab, s.hidden, false);
  }
  w.write_bf16(dir / "model.safetensors");
  nlohmann::json c = {{"architectures", {s.classifier ? "Qwen3ForSequenceClassification" : "Qwen3ForCausalLM"}},
                      {"model_type", "qwen3"},
                      {"vocab_size", s.vocab},
                      {"hidden_size", s.hidden},
                      {"intermediate_size", s.ff},
                      {"num_hidden_layers", s.layers},
                      {"num_attention_heads", s.heads},
                      {"num_key_value_heads", s.kv_heads},
                      {"head_dim", s.head_dim},
                      {"hidden_act", "silu"},
                      {"rms_norm_eps", 1e-6},
                      {"attention_bias", s.bias},
                      {"tie_word_embeddings", s.tied},
                      {"max_position_embeddings", 512}};
  if (s.classifier) c["id2label"] = {{"0", "LABEL_0"}};
  if (s.v4_keys) {
    c["rope_theta"] = s.theta;
    c["rope_scaling"] = s.linear_factor != 1.0 ? nlohmann::json{{"type", "linear"}, {"factor", s.linear_factor}}
                                               : nlohmann::json(nullptr);
  } else {
    c["rope_parameters"] = {{"rope_theta", s.theta}, {"rope_type", "default"}};
  }
  rerank::testing::write_file(dir / "config.json", c.dump(2));
}

TEST(Qwen3NaiveReference, VariantsTheFixtureLacks) {
  std::vector<Shape> shapes;
  shapes.push_back({.name = "untied head, attention biases, head_dim != hidden / heads", .bias = true});
  shapes.push_back({.name = "multi-query (1 KV head), 4.x keys, linear rope scaling", .heads = 3, .kv_heads = 1,
                    .head_dim = 8, .tied = true, .v4_keys = true, .theta = 500.0, .linear_factor = 2.0});
  shapes.push_back({.name = "seq-cls head", .layers = 3, .classifier = true, .theta = 1e6});
  std::uint64_t seed = 7;
  for (const Shape& s : shapes) {
    rerank::testing::TempDir dir;
    Weights w(seed++);
    write_checkpoint(dir.path(), s, w);
    auto model = load_model(dir.path(), engine::make_device({"cpu", 2}), engine::Precision::F32);
    auto session = model->make_session();
    std::mt19937 gen(static_cast<unsigned>(seed));
    std::uniform_int_distribution<std::int32_t> token(0, static_cast<std::int32_t>(s.vocab - 1));
    std::vector<std::vector<std::int32_t>> seqs;
    engine::PackedBatch batch;
    for (const std::size_t n : {1u, 17u, 60u}) {
      std::vector<std::int32_t> ids(n);
      for (auto& id : ids) id = token(gen);
      model->append_sequence(batch, ids, {});
      seqs.push_back(ids);
    }
    const std::vector<float> got = model->forward(*session, batch);
    const std::size_t width = model->traits().outputs_per_sequence;
    ASSERT_EQ(got.size(), width * seqs.size()) << s.name;
    double worst = 0;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      const Vec want = naive_forward(w, s, seqs[i]);
      ASSERT_EQ(want.size(), width) << s.name;
      for (std::size_t k = 0; k < width; ++k) worst = std::max(worst, std::fabs(want[k] - got[i * width + k]));
    }
    std::printf("[ naive ] qwen3 %s: max |logit - double| = %.3g\n", s.name.c_str(), worst);
    EXPECT_LT(worst, 1e-4) << s.name;
  }
}

}  // namespace
}  // namespace rerank::models
