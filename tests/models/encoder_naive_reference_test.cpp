// The engine against a naive double-precision transformer written out here, on shapes and
// storage the reference fixtures do not have: hidden 96, 6 heads, an FFN width of 200 (not
// a multiple of any SIMD width), 3 layers, an ELECTRA embedding width of 48, bf16 storage,
// a non-default LayerNorm eps and the tanh GELU. The fixtures prove parity with transformers
// on their shapes; this proves nothing in the engine is tied to those shapes. Each checkpoint
// is written as a user would have it (config.json + bf16 model.safetensors) and loaded by
// models::load_model. Tolerance 1e-4 per logit, the same as the transformers parity.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/cpu/cpu_features.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "support/compare.hpp"
#include "support/safetensors_writer.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

using Vec = std::vector<double>;
using Mat = std::vector<Vec>;  // rows

struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;  // already exact in bf16
};

// Random weights drawn the way make_reference.py draws them: norm weights 1 + 0.1 N,
// biases 0.1 N, matrices N / sqrt(fan_in); stored in bf16.
class Checkpoint {
 public:
  explicit Checkpoint(std::uint64_t seed) : rng_(seed) {}

  void matrix(const std::string& name, std::int64_t rows, std::int64_t cols) {
    add(name, {rows, cols}, 0.0, 1.0 / std::sqrt(static_cast<double>(cols)));
  }
  void linear(const std::string& name, std::int64_t out, std::int64_t in) {
    matrix(name + ".weight", out, in);
    add(name + ".bias", {out}, 0.0, 0.1);
  }
  void norm(const std::string& name, std::int64_t n) {
    add(name + ".weight", {n}, 1.0, 0.1);
    add(name + ".bias", {n}, 0.0, 0.1);
  }

  const Tensor& operator[](const std::string& name) const { return tensors_.at(name); }

  void write_bf16(const std::filesystem::path& file) const {
    std::vector<rerank::testing::SafetensorsTensor> out;
    for (const auto& [name, t] : tensors_) out.push_back({name, "BF16", t.shape, rerank::testing::bf16_bytes(t.values)});
    rerank::testing::write_safetensors(file, out);
  }

 private:
  void add(const std::string& name, std::vector<std::int64_t> shape, double mean, double stddev) {
    std::normal_distribution<double> normal(mean, stddev);
    std::int64_t count = 1;
    for (auto d : shape) count *= d;
    Tensor t{std::move(shape), std::vector<float>(static_cast<std::size_t>(count))};
    for (auto& v : t.values) v = static_cast<float>(normal(rng_));
    engine::cpu::round_to_bf16(t.values.data(), count);
    tensors_[name] = std::move(t);
  }

  std::mt19937_64 rng_;
  std::map<std::string, Tensor> tensors_;
};

enum class Family { Bert, Roberta, Electra };

// The tensor-name prefix transformers uses for the family.
std::string prefix(Family f) { return f == Family::Bert ? "bert" : f == Family::Roberta ? "roberta" : "electra"; }

struct Shape {
  Family family;
  std::int64_t vocab = 61, hidden = 96, heads = 6, ffn = 200, layers = 3, embedding = 96, labels = 1;
  std::int64_t max_positions = 200, type_vocab = 2, pad = 0;
  double eps = 1e-12;
  std::string act = "gelu";
};

void PrintTo(const Shape& s, std::ostream* os) {
  *os << prefix(s.family) << " hidden " << s.hidden << " heads " << s.heads << " ffn " << s.ffn << " "
      << s.act;
}

// --- the naive model -------------------------------------------------------------------------

Vec row(const Tensor& t, std::int64_t r) {
  const std::int64_t cols = t.shape[1];
  return Vec(t.values.begin() + r * cols, t.values.begin() + (r + 1) * cols);
}

Vec affine(const Checkpoint& w, const std::string& name, const Vec& x) {
  const Tensor& weight = w[name + ".weight"];
  const Tensor& bias = w[name + ".bias"];
  Vec y(static_cast<std::size_t>(weight.shape[0]));
  for (std::size_t o = 0; o < y.size(); ++o) {
    double acc = bias.values[o];
    for (std::size_t i = 0; i < x.size(); ++i) acc += double(weight.values[o * x.size() + i]) * x[i];
    y[o] = acc;
  }
  return y;
}

Vec layer_norm(const Checkpoint& w, const std::string& name, const Vec& x, double eps) {
  double mean = 0, var = 0;
  for (double v : x) mean += v;
  mean /= double(x.size());
  for (double v : x) var += (v - mean) * (v - mean);
  var /= double(x.size());
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    y[i] = (x[i] - mean) / std::sqrt(var + eps) * w[name + ".weight"].values[i] + w[name + ".bias"].values[i];
  }
  return y;
}

double gelu(double x, const std::string& form) {
  if (form == "gelu_new") return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
}

Vec add(Vec a, const Vec& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}


Mat self_attention(const Checkpoint& w, const std::string& p, const Mat& x, const Shape& s) {
  Mat q, k, v;
  for (const auto& t : x) {
    q.push_back(affine(w, p + ".attention.self.query", t));
    k.push_back(affine(w, p + ".attention.self.key", t));
    v.push_back(affine(w, p + ".attention.self.value", t));
  }
  const std::size_t n = x.size(), d = static_cast<std::size_t>(s.hidden / s.heads);
  Mat ctx(n, Vec(static_cast<std::size_t>(s.hidden), 0.0));
  for (std::size_t h = 0; h < static_cast<std::size_t>(s.heads); ++h) {
    for (std::size_t i = 0; i < n; ++i) {
      Vec score(n);
      double top = -1e300, sum = 0;
      for (std::size_t j = 0; j < n; ++j) {
        double dot = 0;
        for (std::size_t c = 0; c < d; ++c) dot += q[i][h * d + c] * k[j][h * d + c];
        score[j] = dot / std::sqrt(double(d));
        top = std::max(top, score[j]);
      }
      for (auto& e : score) sum += (e = std::exp(e - top));
      for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t c = 0; c < d; ++c) ctx[i][h * d + c] += score[j] / sum * v[j][h * d + c];
      }
    }
  }
  return ctx;
}

std::vector<double> naive_logits(const Checkpoint& w, const Shape& s, const std::vector<std::int32_t>& ids,
                                 const std::vector<std::int32_t>& types) {
  const std::string P = prefix(s.family);
  Mat x;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::int64_t pos = s.family == Family::Roberta ? s.pad + 1 + std::int64_t(i) : std::int64_t(i);
    const std::int64_t type = s.family == Family::Roberta ? 0 : types[i];
    Vec e = add(add(row(w[P + ".embeddings.word_embeddings.weight"], ids[i]),
                    row(w[P + ".embeddings.position_embeddings.weight"], pos)),
                row(w[P + ".embeddings.token_type_embeddings.weight"], type));
    e = layer_norm(w, P + ".embeddings.LayerNorm", e, s.eps);
    if (s.embedding != s.hidden) e = affine(w, "electra.embeddings_project", e);
    x.push_back(e);
  }
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = P + ".encoder.layer." + std::to_string(l);
    const Mat ctx = self_attention(w, p, x, s);
    for (std::size_t t = 0; t < x.size(); ++t) {
      x[t] = layer_norm(w, p + ".attention.output.LayerNorm", add(x[t], affine(w, p + ".attention.output.dense", ctx[t])),
                        s.eps);
      Vec inner = affine(w, p + ".intermediate.dense", x[t]);
      for (auto& v : inner) v = s.act == "relu" ? std::max(0.0, v) : gelu(v, s.act);
      x[t] = layer_norm(w, p + ".output.LayerNorm", add(x[t], affine(w, p + ".output.dense", inner)), s.eps);
    }
  }
  if (s.family == Family::Bert) {
    Vec pooled = affine(w, "bert.pooler.dense", x[0]);
    for (auto& v : pooled) v = std::tanh(v);
    return affine(w, "classifier", pooled);
  }
  Vec dense = affine(w, "classifier.dense", x[0]);
  for (auto& v : dense) v = s.family == Family::Roberta ? std::tanh(v) : gelu(v, "gelu");
  return affine(w, "classifier.out_proj", dense);
}

// --- the checkpoint on disk ------------------------------------------------------------------

Checkpoint make_weights(const Shape& s, std::uint64_t seed) {
  Checkpoint w(seed);
  const std::string P = prefix(s.family);
  w.matrix(P + ".embeddings.word_embeddings.weight", s.vocab, s.embedding);
  w.matrix(P + ".embeddings.position_embeddings.weight", s.max_positions, s.embedding);
  w.matrix(P + ".embeddings.token_type_embeddings.weight", s.type_vocab, s.embedding);
  w.norm(P + ".embeddings.LayerNorm", s.embedding);
  if (s.embedding != s.hidden) w.linear("electra.embeddings_project", s.hidden, s.embedding);
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = P + ".encoder.layer." + std::to_string(l);
    for (const char* m : {"query", "key", "value"}) w.linear(p + ".attention.self." + m, s.hidden, s.hidden);
    w.linear(p + ".attention.output.dense", s.hidden, s.hidden);
    w.norm(p + ".attention.output.LayerNorm", s.hidden);
    w.linear(p + ".intermediate.dense", s.ffn, s.hidden);
    w.linear(p + ".output.dense", s.hidden, s.ffn);
    w.norm(p + ".output.LayerNorm", s.hidden);
  }
  if (s.family == Family::Bert) {
    w.linear("bert.pooler.dense", s.hidden, s.hidden);
    w.linear("classifier", s.labels, s.hidden);
  } else {
    w.linear("classifier.dense", s.hidden, s.hidden);
    w.linear("classifier.out_proj", s.labels, s.hidden);
  }
  return w;
}

nlohmann::json make_config(const Shape& s) {
  static const char* const kArch[] = {"BertForSequenceClassification", "XLMRobertaForSequenceClassification",
                                      "ElectraForSequenceClassification"};
  static const char* const kType[] = {"bert", "xlm-roberta", "electra"};
  nlohmann::json id2label = nlohmann::json::object();
  for (std::int64_t i = 0; i < s.labels; ++i) id2label[std::to_string(i)] = "LABEL_" + std::to_string(i);
  nlohmann::json c = {{"architectures", {kArch[static_cast<int>(s.family)]}},
                      {"model_type", kType[static_cast<int>(s.family)]},
                      {"vocab_size", s.vocab},
                      {"hidden_size", s.hidden},
                      {"num_attention_heads", s.heads},
                      {"num_hidden_layers", s.layers},
                      {"intermediate_size", s.ffn},
                      {"max_position_embeddings", s.max_positions},
                      {"type_vocab_size", s.type_vocab},
                      {"pad_token_id", s.pad},
                      {"layer_norm_eps", s.eps},
                      {"hidden_act", s.act},
                      {"id2label", id2label},
                      {"dtype", "bfloat16"}};
  if (s.embedding != s.hidden) c["embedding_size"] = s.embedding;
  return c;
}

// Token ids and type ids: a single token, lengths around the kernels' block sizes, and the
// longest sequence the position table allows.
struct Sequences {
  std::vector<std::vector<std::int32_t>> ids, types;
};

Sequences make_sequences(const Shape& s) {
  std::mt19937 rng(7);
  const std::int64_t longest = s.family == Family::Roberta ? s.max_positions - s.pad - 1 : s.max_positions;
  Sequences out;
  for (std::int64_t n : {std::int64_t{1}, std::int64_t{5}, std::int64_t{17}, std::int64_t{64}, std::int64_t{131}, longest}) {
    std::vector<std::int32_t> seq(static_cast<std::size_t>(n)), type(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      // Never the padding id: RoBERTa numbers padding tokens differently, and a real pair has none.
      seq[i] = static_cast<std::int32_t>(rng() % s.vocab);
      if (seq[i] == s.pad) seq[i] = static_cast<std::int32_t>(s.pad + 1);
      type[i] = i > n / 3 ? 1 : 0;
    }
    out.ids.push_back(seq);
    out.types.push_back(type);
  }
  return out;
}

class NaiveReference : public ::testing::TestWithParam<Shape> {
 protected:
  void SetUp() override {
    std::ofstream(dir_ / "config.json") << make_config(shape()).dump(2);
    weights_.write_bf16(dir_ / "model.safetensors");
    for (std::size_t i = 0; i < sequences_.ids.size(); ++i) {
      expected_.push_back(naive_logits(weights_, shape(), sequences_.ids[i], sequences_.types[i]));
    }
  }

  const Shape& shape() const { return GetParam(); }

  // Loads the checkpoint from disk at `precision`, runs every sequence as one packed batch
  // (as the ranker does) and returns every logit, sequence-major.
  std::vector<double> logits(engine::Precision precision) const {
    engine::DeviceOptions options;
    options.threads = 2;
    auto model = load_model(dir_.path(), engine::make_device(options), precision);
    EXPECT_EQ(model->num_labels(), static_cast<std::size_t>(shape().labels));
    engine::PackedBatch batch;
    for (std::size_t i = 0; i < sequences_.ids.size(); ++i) {
      model->append_sequence(batch, sequences_.ids[i], sequences_.types[i]);
    }
    auto session = model->device().make_session();
    const std::vector<float> got = model->forward(*session, batch);
    return {got.begin(), got.end()};
  }

  // The naive model's logits, in the same order.
  std::vector<double> expected() const {
    std::vector<double> out;
    for (const Vec& e : expected_) out.insert(out.end(), e.begin(), e.end());
    return out;
  }

  // Largest |logit - naive logit|; infinite on NaN/Inf or a wrong count.
  double max_deviation(engine::Precision precision) const {
    return rerank::testing::max_abs_diff(logits(precision), expected());
  }

  double largest_logit() const {
    double m = 0;
    for (const Vec& e : expected_) {
      for (double v : e) m = std::max(m, std::fabs(v));
    }
    return m;
  }

 private:
  Checkpoint weights_ = make_weights(GetParam(), 20261126);
  Sequences sequences_ = make_sequences(GetParam());
  std::vector<Vec> expected_;
  rerank::testing::TempDir dir_;
};

TEST_P(NaiveReference, Fp32EngineMatchesNaiveDoubleModelOnBf16Checkpoint) {
  EXPECT_GT(largest_logit(), 0.05) << "the logits are too small for the comparison to mean anything";
  EXPECT_LT(max_deviation(engine::Precision::F32), 1e-4);
}

// The reduced precisions on the same shapes: finite, close and ranked like the naive model.
// Observed largest |logit - naive| (2 threads, AVX-512 BF16 and VNNI) for bert, bert
// 2-label, xlmr, electra: bf16 0.0035, 0.0052, 0.0036, 0.0010; int8 0.0111, 0.0416, 0.0210,
// 0.0164, against logits spread over 0.8-2.1. Since attention multiplies in bf16 for bf16
// and int8 models on AVX-512 BF16 CPUs (issue 20), electra's bf16 figure is 0.0057 (the
// others moved within their bounds: 0.0029, 0.0052, 0.0045). Each bound is 3x its shape's figure (int8
// doubled without VNNI, whose weights have 7 bits). Six logits a shape (twelve with two
// labels) make Spearman coarse: one adjacent swap of six costs 0.057; bf16 showed none, int8
// one (xlmr, 0.943), so bf16 may lose about two swaps' worth (>= 0.9), int8 three (>= 0.8).
struct NaiveObserved {
  double bf16_max, int8_max;
};

NaiveObserved naive_observed(const Shape& s) {
  if (s.family == Family::Roberta) return {0.0036, 0.0210};
  if (s.family == Family::Electra) return {0.0057, 0.0164};
  return s.labels == 2 ? NaiveObserved{0.0052, 0.0416} : NaiveObserved{0.0035, 0.0111};
}

TEST_P(NaiveReference, Bf16AndInt8StayCloseOnTheseShapes) {
  const std::vector<double> want = expected();
  const NaiveObserved observed = naive_observed(shape());
  const double int8_factor = engine::cpu::cpu_features().avx512vnni ? 1.0 : 2.0;
  for (const auto p : {engine::Precision::BF16, engine::Precision::Int8}) {
    const bool bf16 = p == engine::Precision::BF16;
    const std::vector<double> got = logits(p);
    std::cout << "[ precision ] " << ::testing::PrintToString(shape()) << " " << engine::precision_name(p)
              << ": max |logit - naive| " << rerank::testing::max_abs_diff(got, want) << ", Spearman "
              << rerank::testing::spearman(got, want) << " (largest logit " << largest_logit() << ")\n";
    EXPECT_TRUE(rerank::testing::close_and_ranked_alike(
        got, want, bf16 ? 3 * observed.bf16_max : 3 * int8_factor * observed.int8_max, bf16 ? 0.9 : 0.8))
        << engine::precision_name(p);
  }
}

Shape bert_shape() { return Shape{Family::Bert}; }
Shape bert_two_labels() {
  Shape s{Family::Bert};
  s.labels = 2;
  s.act = "relu";
  return s;
}
Shape xlmr_shape() {
  Shape s{Family::Roberta};
  s.type_vocab = 1;
  s.pad = 1;
  s.max_positions = 180;
  s.eps = 1e-5;
  s.act = "gelu_new";
  return s;
}
Shape electra_shape() {
  Shape s{Family::Electra};
  s.embedding = 48;
  return s;
}

std::string shape_name(const ::testing::TestParamInfo<Shape>& info) {
  static const char* const kNames[] = {"bert", "bert_2label_relu", "xlmr_tanh_gelu", "electra_projected"};
  return kNames[info.index];
}

INSTANTIATE_TEST_SUITE_P(HeldOutLikeShapes, NaiveReference,
                         ::testing::Values(bert_shape(), bert_two_labels(), xlmr_shape(), electra_shape()), shape_name);

}  // namespace
}  // namespace rerank::models
