// ModernBERT against a naive double-precision model written here from transformers'
// modeling_modernbert.py (eager attention): embeddings + LayerNorm; pre-norm layers (layer
// 0 without an attention norm) of fused Wqkv attention with rotary positions (inverse
// frequencies and angles in fp32, as the reference computes them; cos and sin in double),
// global or sliding by layer (|i - j| <= local_attention / 2), and a GeGLU MLP; the final
// norm; CLS or masked-mean pooling; head dense -> activation -> LayerNorm -> classifier.
// Checkpoints are written as users have them (config.json + bf16 model.safetensors) with
// sequences longer than the window, in both config spellings (4.x: global_attn_every_n_layers,
// local_attention, global/local_rope_theta; 5.x: layer_types, rope_parameters), with and
// without biases. Tolerance 1e-4 per logit, as for the transformers fixtures.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "models/sentence_transformers_head.hpp"
#include "rerank/error.hpp"
#include "support/compare.hpp"
#include "support/random_checkpoint.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

using Vec = std::vector<double>;
using Mat = std::vector<Vec>;

using Tensor = rerank::testing::RandomTensor;
using Weights = rerank::testing::RandomBf16Checkpoint;

struct Shape {
  std::string name;
  std::int64_t vocab = 53, hidden = 48, heads = 3, inter = 40, layers = 4, labels = 1;
  std::int64_t local_attention = 8, global_every = 2, max_positions = 128;
  double global_theta = 160000, local_theta = 10000, eps = 1e-5;
  bool biases = false;          // norm, attention, mlp and classifier biases
  bool mean_pooling = false;
  bool config_5x = false;       // layer_types + rope_parameters instead of the 4.x keys
  bool ettin = false;           // a bare ModernBertModel + sentence-transformers modules (Pooling, Dense, LayerNorm, Dense)
  std::string act = "gelu";     // hidden_activation (the head uses gelu)
};

void PrintTo(const Shape& s, std::ostream* os) { *os << s.name; }


// --- the naive model ---------------------------------------------------------------------

Vec affine(const Weights& w, const std::string& name, const Vec& x) {
  const Tensor& weight = w[name + ".weight"];
  Vec y(static_cast<std::size_t>(weight.shape[0]), 0.0);
  for (std::size_t o = 0; o < y.size(); ++o) {
    double acc = w.has(name + ".bias") ? w[name + ".bias"].values[o] : 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) acc += double(weight.values[o * x.size() + i]) * x[i];
    y[o] = acc;
  }
  return y;
}

Vec layer_norm(const Weights& w, const std::string& name, const Vec& x, double eps) {
  double mean = 0, var = 0;
  for (double v : x) mean += v;
  mean /= double(x.size());
  for (double v : x) var += (v - mean) * (v - mean);
  var /= double(x.size());
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double bias = w.has(name + ".bias") ? w[name + ".bias"].values[i] : 0.0;
    y[i] = (x[i] - mean) / std::sqrt(var + eps) * w[name + ".weight"].values[i] + bias;
  }
  return y;
}

double act(double x, const std::string& form) {
  if (form == "gelu_pytorch_tanh") return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
}

// transformers' rotary: q * cos + rotate_half(q) * sin, cos/sin of the fp32 angle.
void rotate(Vec& x, std::size_t first, std::size_t d, std::int64_t position, double theta) {
  const std::size_t half = d / 2;
  const Vec in(x.begin() + static_cast<std::ptrdiff_t>(first), x.begin() + static_cast<std::ptrdiff_t>(first + d));
  for (std::size_t c = 0; c < half; ++c) {
    const float inv = 1.0f / std::pow(static_cast<float>(theta), static_cast<float>(2 * c) / static_cast<float>(d));
    const float angle = static_cast<float>(position) * inv;
    const double cs = std::cos(static_cast<double>(angle)), sn = std::sin(static_cast<double>(angle));
    x[first + c] = in[c] * cs - in[c + half] * sn;
    x[first + c + half] = in[c + half] * cs + in[c] * sn;
  }
}

bool sliding(const Shape& s, std::int64_t layer) { return layer % s.global_every != 0; }

Vec naive_logits(const Weights& w, const Shape& s, const std::vector<std::int32_t>& ids) {
  const std::size_t n = ids.size(), h = static_cast<std::size_t>(s.hidden), d = h / static_cast<std::size_t>(s.heads);
  Mat x;
  for (const std::int32_t id : ids) {
    const Tensor& emb = w["model.embeddings.tok_embeddings.weight"];
    Vec e(emb.values.begin() + id * s.hidden, emb.values.begin() + (id + 1) * s.hidden);
    x.push_back(layer_norm(w, "model.embeddings.norm", e, s.eps));
  }
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l);
    const double theta = sliding(s, l) ? s.local_theta : s.global_theta;
    Mat qkv;
    for (std::size_t t = 0; t < n; ++t) {
      Vec a = l == 0 ? x[t] : layer_norm(w, p + ".attn_norm", x[t], s.eps);
      Vec r = affine(w, p + ".attn.Wqkv", a);
      for (std::size_t head = 0; head < static_cast<std::size_t>(s.heads); ++head) {
        rotate(r, head * d, d, static_cast<std::int64_t>(t), theta);          // Q
        rotate(r, h + head * d, d, static_cast<std::int64_t>(t), theta);      // K
      }
      qkv.push_back(r);
    }
    Mat ctx(n, Vec(h, 0.0));
    for (std::size_t head = 0; head < static_cast<std::size_t>(s.heads); ++head) {
      for (std::size_t i = 0; i < n; ++i) {
        Vec score(n, -INFINITY);
        double top = -INFINITY, sum = 0;
        for (std::size_t j = 0; j < n; ++j) {
          const auto dist = static_cast<std::int64_t>(i > j ? i - j : j - i);
          if (sliding(s, l) && dist > s.local_attention / 2) continue;
          double dot = 0;
          for (std::size_t c = 0; c < d; ++c) dot += qkv[i][head * d + c] * qkv[j][h + head * d + c];
          score[j] = dot / std::sqrt(double(d));
          top = std::max(top, score[j]);
        }
        for (auto& e : score) sum += (e = std::isinf(e) ? 0.0 : std::exp(e - top));
        for (std::size_t j = 0; j < n; ++j)
          for (std::size_t c = 0; c < d; ++c) ctx[i][head * d + c] += score[j] / sum * qkv[j][2 * h + head * d + c];
      }
    }
    for (std::size_t t = 0; t < n; ++t) {
      const Vec o = affine(w, p + ".attn.Wo", ctx[t]);
      for (std::size_t c = 0; c < h; ++c) x[t][c] += o[c];
      const Vec u = affine(w, p + ".mlp.Wi", layer_norm(w, p + ".mlp_norm", x[t], s.eps));
      Vec g(static_cast<std::size_t>(s.inter));
      for (std::size_t c = 0; c < g.size(); ++c) g[c] = act(u[c], s.act) * u[g.size() + c];
      const Vec m = affine(w, p + ".mlp.Wo", g);
      for (std::size_t c = 0; c < h; ++c) x[t][c] += m[c];
    }
  }
  for (auto& t : x) t = layer_norm(w, "model.final_norm", t, s.eps);
  Vec pooled = x[0];
  if (s.mean_pooling) {
    std::fill(pooled.begin(), pooled.end(), 0.0);
    for (const auto& t : x)
      for (std::size_t c = 0; c < h; ++c) pooled[c] += t[c] / double(n);
  }
  if (s.ettin) {  // sentence-transformers: Dense(GELU, no bias) -> LayerNorm(eps 1e-5) -> Dense
    Vec dense = affine(w, "st.dense", pooled);
    for (auto& v : dense) v = act(v, "gelu");
    return affine(w, "st.out", layer_norm(w, "st.norm", dense, 1e-5));
  }
  Vec dense = affine(w, "head.dense", pooled);
  for (auto& v : dense) v = act(v, "gelu");
  return affine(w, "classifier", layer_norm(w, "head.norm", dense, s.eps));
}

// --- the checkpoint the test writes ------------------------------------------------------

nlohmann::json config_of(const Shape& s) {
  nlohmann::json c = {{"architectures", {s.ettin ? "ModernBertModel" : "ModernBertForSequenceClassification"}},
                      {"model_type", "modernbert"},
                      {"vocab_size", s.vocab},
                      {"hidden_size", s.hidden},
                      {"num_hidden_layers", s.layers},
                      {"num_attention_heads", s.heads},
                      {"intermediate_size", s.inter},
                      {"max_position_embeddings", s.max_positions},
                      {"pad_token_id", 0},
                      {"norm_eps", s.eps},
                      {"norm_bias", s.biases},
                      {"attention_bias", s.biases},
                      {"mlp_bias", s.biases},
                      {"classifier_bias", s.biases},
                      {"hidden_activation", s.act},
                      {"classifier_activation", "gelu"},
                      {"classifier_pooling", s.mean_pooling ? "mean" : "cls"},
                      {"local_attention", s.local_attention}};
  nlohmann::json labels = nlohmann::json::object();
  for (std::int64_t i = 0; i < s.labels; ++i) labels[std::to_string(i)] = "LABEL_" + std::to_string(i);
  if (!s.ettin) c["id2label"] = labels;  // a bare encoder's config has no labels: its last Dense says
  if (s.config_5x) {
    nlohmann::json types = nlohmann::json::array();
    for (std::int64_t l = 0; l < s.layers; ++l) types.push_back(sliding(s, l) ? "sliding_attention" : "full_attention");
    c["layer_types"] = types;
    c["rope_parameters"] = {{"full_attention", {{"rope_theta", s.global_theta}, {"rope_type", "default"}}},
                            {"sliding_attention", {{"rope_theta", s.local_theta}, {"rope_type", "default"}}}};
  } else {
    c["global_attn_every_n_layers"] = s.global_every;
    c["global_rope_theta"] = s.global_theta;
    c["local_rope_theta"] = s.local_theta;
  }
  return c;
}

Weights weights_of(const Shape& s, std::uint64_t seed) {
  Weights w(seed);
  w.matrix("model.embeddings.tok_embeddings.weight", s.vocab, s.hidden);
  w.norm("model.embeddings.norm", s.hidden, s.biases);
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l);
    if (l > 0) w.norm(p + ".attn_norm", s.hidden, s.biases);
    w.linear(p + ".attn.Wqkv", 3 * s.hidden, s.hidden, s.biases);
    w.linear(p + ".attn.Wo", s.hidden, s.hidden, s.biases);
    w.norm(p + ".mlp_norm", s.hidden, s.biases);
    w.linear(p + ".mlp.Wi", 2 * s.inter, s.hidden, s.biases);
    w.linear(p + ".mlp.Wo", s.hidden, s.inter, s.biases);
  }
  w.norm("model.final_norm", s.hidden, s.biases);
  if (s.ettin) {
    w.linear("st.dense", s.hidden, s.hidden, false);
    w.norm("st.norm", s.hidden, true);
    w.linear("st.out", s.labels, s.hidden, true);
    return w;
  }
  w.linear("head.dense", s.hidden, s.hidden, s.biases);
  w.norm("head.norm", s.hidden, s.biases);
  w.linear("classifier", s.labels, s.hidden, true);  // nn.Linear's default bias
  return w;
}

// The folder a checkpoint is published as: config.json and model.safetensors, plus for the
// Ettin layout modules.json and one folder per module (names as sentence-transformers v5
// writes them).
void write_checkpoint(const std::filesystem::path& dir, const Shape& s, const Weights& w) {
  std::ofstream(dir / "config.json") << config_of(s).dump(2);
  if (!s.ettin) {
    w.write_bf16(dir / "model.safetensors");
    return;
  }
  w.write_bf16(dir / "model.safetensors", "model.", "");
  const char* kTransformer = "sentence_transformers.base.models.Transformer";
  std::ofstream(dir / "modules.json") << nlohmann::json::array(
      {{{"idx", 0}, {"name", "0"}, {"path", ""}, {"type", kTransformer}},
       {{"idx", 1}, {"name", "1"}, {"path", "1_Pooling"}, {"type", "sentence_transformers.sentence_transformer.modules.Pooling"}},
       {{"idx", 2}, {"name", "2"}, {"path", "2_Dense"}, {"type", "sentence_transformers.sentence_transformer.modules.Dense"}},
       {{"idx", 3}, {"name", "3"}, {"path", "3_LayerNorm"}, {"type", "sentence_transformers.sentence_transformer.modules.LayerNorm"}},
       {{"idx", 4}, {"name", "4"}, {"path", "4_Dense"}, {"type", "sentence_transformers.sentence_transformer.modules.Dense"}}})
                                          .dump(2);
  for (const char* f : {"1_Pooling", "2_Dense", "3_LayerNorm", "4_Dense"}) std::filesystem::create_directories(dir / f);
  std::ofstream(dir / "1_Pooling/config.json")
      << nlohmann::json{{"embedding_dimension", s.hidden}, {"pooling_mode", s.mean_pooling ? "mean" : "cls"},
                        {"include_prompt", true}}.dump();
  std::ofstream(dir / "2_Dense/config.json")
      << nlohmann::json{{"in_features", s.hidden}, {"out_features", s.hidden}, {"bias", false},
                        {"activation_function", "torch.nn.modules.activation.GELU"}}.dump();
  w.write_bf16(dir / "2_Dense/model.safetensors", "st.dense.", "linear.");
  std::ofstream(dir / "3_LayerNorm/config.json") << nlohmann::json{{"dimension", s.hidden}}.dump();
  w.write_bf16(dir / "3_LayerNorm/model.safetensors", "st.norm.", "norm.");
  std::ofstream(dir / "4_Dense/config.json")
      << nlohmann::json{{"in_features", s.hidden}, {"out_features", s.labels}, {"bias", true},
                        {"activation_function", "torch.nn.modules.linear.Identity"}}.dump();
  w.write_bf16(dir / "4_Dense/model.safetensors", "st.out.", "linear.");
}

class ModernBertNaive : public ::testing::TestWithParam<Shape> {};

TEST_P(ModernBertNaive, Fp32EngineMatchesTheNaiveModel) {
  const Shape& s = GetParam();
  rerank::testing::TempDir dir;
  const Weights w = weights_of(s, 42);
  write_checkpoint(dir.path(), s, w);

  // Lengths below, at and well above the window, packed in one batch.
  std::mt19937 gen(7);
  std::vector<std::vector<std::int32_t>> sequences;
  for (const int len : {1, 5, 9, 23, 40}) {
    std::vector<std::int32_t> ids(static_cast<std::size_t>(len));
    for (auto& id : ids) id = static_cast<std::int32_t>(gen() % static_cast<unsigned>(s.vocab));
    sequences.push_back(ids);
  }
  auto model = load_model(dir.path(), engine::make_device({"cpu", 2}), engine::Precision::F32);
  engine::PackedBatch batch;
  for (const auto& ids : sequences) model->append_sequence(batch, ids, {});
  auto session = model->make_session();
  const std::vector<float> got = model->forward(*session, batch);
  ASSERT_EQ(got.size(), sequences.size() * static_cast<std::size_t>(s.labels));
  double largest = 0, worst = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const Vec want = naive_logits(w, s, sequences[i]);
    for (std::size_t l = 0; l < want.size(); ++l) {
      largest = std::max(largest, std::fabs(want[l]));
      worst = std::max(worst, std::fabs(double(got[i * want.size() + l]) - want[l]));
    }
  }
  EXPECT_GT(largest, 0.05) << "logits too small for the comparison to mean anything";
  EXPECT_LT(worst, 1e-4) << s.name;
}

Shape four_x_cls_biases() {
  Shape s;
  s.name = "config_4x_cls_with_biases";
  s.biases = true;
  return s;
}
Shape five_x_mean_no_biases() {
  Shape s;
  s.name = "config_5x_mean_pooling_no_biases_2_labels";
  s.config_5x = true;
  s.mean_pooling = true;
  s.labels = 2;
  s.global_every = 3;
  s.layers = 5;
  s.local_attention = 6;
  return s;
}
Shape tanh_gelu_wide_heads() {
  Shape s;
  s.name = "config_4x_mean_tanh_gelu_head_dim_32";
  s.hidden = 64;
  s.heads = 2;
  s.inter = 96;
  s.mean_pooling = true;
  s.act = "gelu_pytorch_tanh";
  s.global_theta = 80000;
  return s;
}

Shape ettin_modular_head() {
  Shape s;
  s.name = "ettin_bare_encoder_sentence_transformers_head_config_4x";
  s.ettin = true;
  return s;
}

INSTANTIATE_TEST_SUITE_P(Shapes, ModernBertNaive,
                         ::testing::Values(four_x_cls_biases(), five_x_mean_no_biases(), tanh_gelu_wide_heads(),
                                           ettin_modular_head()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace rerank::models

namespace rerank::models {
namespace {

// A modules.json that claims a CrossEncoder head but whose module configs are wrong is a
// ModelFormat error naming the file; one that describes something else is not a head.
TEST(ModularHead, MalformedModuleConfigsAreTypedErrors) {
  rerank::testing::TempDir dir;
  const char* kT = "sentence_transformers.base.models.Transformer";
  const char* kP = "sentence_transformers.sentence_transformer.modules.Pooling";
  const char* kD = "sentence_transformers.sentence_transformer.modules.Dense";
  std::ofstream(dir / "modules.json") << nlohmann::json::array(
      {{{"path", ""}, {"type", kT}}, {{"path", "1_Pooling"}, {"type", kP}}, {{"path", "2_Dense"}, {"type", kD}}}).dump();
  std::filesystem::create_directories(dir / "1_Pooling");
  std::filesystem::create_directories(dir / "2_Dense");
  std::ofstream(dir / "1_Pooling/config.json") << R"({"pooling_mode": "cls"})";
  std::ofstream(dir / "2_Dense/config.json") << R"({"in_features": 8, "out_features": 1, "bias": "yes"})";
  try {
    read_modular_cross_encoder_head(dir.path());
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::ModelFormat);
    EXPECT_NE(std::string(e.what()).find("2_Dense"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "2_Dense/config.json") << R"({"in_features": 8, "out_features": 1})";
  std::ofstream(dir / "1_Pooling/config.json") << R"({"pooling_mode": "weightedmean"})";
  EXPECT_THROW(read_modular_cross_encoder_head(dir.path()), Error);
  // A sentence embedder (Transformer, Pooling, Normalize) has no CrossEncoder head.
  std::ofstream(dir / "modules.json") << nlohmann::json::array(
      {{{"path", ""}, {"type", kT}}, {{"path", "1_Pooling"}, {"type", kP}},
       {{"path", "2_Normalize"}, {"type", "sentence_transformers.models.Normalize"}}}).dump();
  EXPECT_FALSE(read_modular_cross_encoder_head(dir.path()).has_value());
}

}  // namespace
}  // namespace rerank::models
