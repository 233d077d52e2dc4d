#include "models/layers.hpp"

#include <cstring>

#include "rerank/error.hpp"

namespace rerank::models {

using engine::Activation;
using engine::Matrix;

Activation activation_from_name(const std::string& name) {
  if (name == "gelu") return Activation::GeluErf;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return Activation::GeluTanh;
  if (name == "relu") return Activation::Relu;
  throw Error(ErrorCode::NotSupported, "activation '" + name + "' is not supported");
}

LayerNorm LayerNorm::load(const WeightSource& src, const engine::Device& dev, const std::string& prefix,
                          std::int64_t size, double eps) {
  LayerNorm n;
  const bool old_names = !src.has(prefix + ".weight") && src.has(prefix + ".gamma");
  n.gamma = dev.upload(src.get(prefix + (old_names ? ".gamma" : ".weight"), {size}));
  n.beta = dev.upload(src.get(prefix + (old_names ? ".beta" : ".bias"), {size}));
  n.eps = static_cast<float>(eps);
  return n;
}

LayerNorm LayerNorm::load(const WeightSource& src, const engine::Device& dev, const std::string& prefix,
                          std::int64_t size, double eps, bool bias) {
  if (bias) return load(src, dev, prefix, size, eps);
  LayerNorm n;
  n.gamma = dev.upload(src.get(prefix + ".weight", {size}));
  n.eps = static_cast<float>(eps);
  return n;
}

std::unique_ptr<engine::LinearWeights> load_linear(const WeightSource& src, const engine::Device& dev,
                                                   const std::string& prefix, std::int64_t out, std::int64_t in,
                                                   engine::Precision precision, bool bias,
                                                   engine::ActivationScales int8_scales) {
  std::vector<float> weight = src.get(prefix + ".weight", {out, in});  // first, so errors name the weight
  std::vector<float> b = bias ? src.get(prefix + ".bias", {out}) : std::vector<float>();
  return dev.make_linear(std::move(weight), std::move(b), out, in, precision, int8_scales);
}

std::unique_ptr<engine::LinearWeights> load_linear(const WeightSource& src, const engine::Device& dev,
                                                   const std::string& prefix, std::int64_t out, std::int64_t in,
                                                   engine::Precision precision) {
  std::vector<float> weight = src.get(prefix + ".weight", {out, in});  // first, so errors name the weight
  std::vector<float> bias = src.get(prefix + ".bias", {out});
  return dev.make_linear(std::move(weight), std::move(bias), out, in, precision);
}

std::unique_ptr<engine::LinearWeights> load_stacked_linear(const WeightSource& src, const engine::Device& dev,
                                                           const std::vector<StackedPart>& parts, std::int64_t in,
                                                           engine::Precision precision, bool bias,
                                                           engine::ActivationScales int8_scales) {
  std::vector<float> weight, b;
  std::int64_t out = 0;
  for (const StackedPart& part : parts) {
    const std::vector<float> w = src.get(part.prefix + ".weight", {part.rows, in});
    weight.insert(weight.end(), w.begin(), w.end());
    if (bias) {
      const std::vector<float> pb = src.get(part.prefix + ".bias", {part.rows});
      b.insert(b.end(), pb.begin(), pb.end());
    }
    out += part.rows;
  }
  return dev.make_linear(std::move(weight), std::move(b), out, in, precision, int8_scales);
}

std::unique_ptr<engine::LinearWeights> make_vocabulary_head(const engine::Device& dev, std::span<const float> head,
                                                            std::int64_t vocab, std::int64_t width,
                                                            const std::vector<std::int32_t>& rows) {
  if (rows.empty()) {
    return dev.make_linear(std::vector<float>(head.begin(), head.end()), {}, vocab, width, engine::Precision::F32);
  }
  std::vector<float> selected;
  selected.reserve(rows.size() * static_cast<std::size_t>(width));
  for (const std::int32_t r : rows) {
    if (r < 0 || r >= vocab) {
      throw Error(ErrorCode::ModelFormat, "token id " + std::to_string(r) + " is outside the model's vocabulary of " +
                                              std::to_string(vocab));
    }
    const auto first = head.begin() + static_cast<std::ptrdiff_t>(r) * width;
    selected.insert(selected.end(), first, first + width);
  }
  return dev.make_linear(std::move(selected), {}, static_cast<std::int64_t>(rows.size()), width,
                         engine::Precision::F32);
}

Embeddings Embeddings::load(const WeightSource& src, const engine::Device& dev, const std::string& prefix,
                            const std::string& project_prefix, const EncoderConfig& cfg) {
  Embeddings e;
  e.width = cfg.embedding_size;
  e.word = dev.upload(src.get(prefix + ".word_embeddings.weight", {cfg.vocab_size, e.width}));
  e.position = dev.upload(src.get(prefix + ".position_embeddings.weight", {cfg.max_position_embeddings, e.width}));
  if (cfg.type_vocab_size > 0) {
    e.token_type = dev.upload(src.get(prefix + ".token_type_embeddings.weight", {cfg.type_vocab_size, e.width}));
  }
  e.norm = LayerNorm::load(src, dev, prefix + ".LayerNorm", e.width, cfg.layer_norm_eps);
  if (e.width != cfg.hidden_size) {
    e.project = load_linear(src, dev, project_prefix, cfg.hidden_size, e.width, engine::Precision::F32);
  }
  return e;
}

void Embeddings::forward(engine::Session& s, const engine::PackedBatch& batch, Matrix& out, Matrix* out_copy) const {
  Matrix emb = project ? s.alloc(out.rows, width) : out;
  s.embed(batch, *word, position.get(), token_type.get(), emb);
  norm.forward(s, emb, project ? nullptr : out_copy);
  if (project) {
    s.linear(emb, *project, out);
    if (out_copy) s.convert(out, *out_copy);
  }
}

EncoderLayer EncoderLayer::load(const WeightSource& src, const engine::Device& dev, const std::string& p,
                                const EncoderConfig& cfg, engine::Precision precision) {
  EncoderLayer l;
  const std::int64_t h = cfg.hidden_size, inter = cfg.intermediate_size;
  std::vector<float> w(static_cast<std::size_t>(3 * h * h)), b(static_cast<std::size_t>(3 * h));
  const char* names[3] = {"query", "key", "value"};
  for (int i = 0; i < 3; ++i) {
    const std::string base = p + ".attention.self." + names[i];
    const std::vector<float> wi = src.get(base + ".weight", {h, h});
    const std::vector<float> bi = src.get(base + ".bias", {h});
    std::memcpy(w.data() + i * h * h, wi.data(), wi.size() * sizeof(float));
    std::memcpy(b.data() + i * h, bi.data(), bi.size() * sizeof(float));
  }
  l.qkv = dev.make_linear(std::move(w), std::move(b), 3 * h, h, precision);
  l.attention_out = load_linear(src, dev, p + ".attention.output.dense", h, h, precision);
  l.attention_norm = LayerNorm::load(src, dev, p + ".attention.output.LayerNorm", h, cfg.layer_norm_eps);
  l.ffn_in = load_linear(src, dev, p + ".intermediate.dense", inter, h, precision);
  l.ffn_out = load_linear(src, dev, p + ".output.dense", h, inter, precision);
  l.ffn_norm = LayerNorm::load(src, dev, p + ".output.LayerNorm", h, cfg.layer_norm_eps);
  l.num_heads = cfg.num_attention_heads;
  l.ffn_activation = activation_from_name(cfg.hidden_act);
  l.precision = precision;
  return l;
}

void EncoderLayer::forward(engine::Session& s, const engine::PackedBatch& batch, Matrix& hidden,
                           Scratch& scratch) const {
  // The GEMMs that read hidden read its copy where there is one; each layer norm rewrites
  // the copy with hidden, so it always holds the current hidden when a GEMM reads it.
  Matrix* copy = scratch.hidden_copy ? &*scratch.hidden_copy : nullptr;
  const Matrix& gemm_input = copy ? *copy : hidden;
  s.linear(gemm_input, *qkv, scratch.qkv);
  s.attention(scratch.qkv, batch.seq_starts, num_heads, scratch.context, precision);
  s.linear(scratch.context, *attention_out, hidden, {Activation::None, /*accumulate=*/true});
  attention_norm.forward(s, hidden, copy);
  s.feed_forward(gemm_input, *ffn_in, ffn_activation, *ffn_out, scratch.ffn, hidden);
  ffn_norm.forward(s, hidden, copy);
}

ClassificationHead ClassificationHead::load(const WeightSource& src, const engine::Device& dev,
                                            const std::string& dense_prefix, Activation dense_activation,
                                            const std::string& out_prefix, const EncoderConfig& cfg) {
  ClassificationHead h;
  const std::int64_t hidden = cfg.hidden_size;
  h.dense = load_linear(src, dev, dense_prefix, hidden, hidden, engine::Precision::F32);
  h.dense_activation = dense_activation;
  const auto labels = static_cast<std::int64_t>(cfg.num_labels);
  if (src.has(out_prefix + ".weight")) {
    // Say plainly when the head disagrees with config.json's labels.
    try {
      h.out = load_linear(src, dev, out_prefix, labels, hidden, engine::Precision::F32);
    } catch (const Error& e) {
      throw Error(ErrorCode::ModelFormat, std::string(e.what()) + " (config.json declares " + std::to_string(labels) +
                                              " label(s): len(id2label), else 2)");
    }
  } else {
    h.out = load_linear(src, dev, out_prefix, labels, hidden, engine::Precision::F32);
  }
  return h;
}

Matrix ClassificationHead::forward(engine::Session& s, const Matrix& cls) const {
  Matrix pooled = s.alloc(cls.rows, cls.cols);
  s.linear(cls, *dense, pooled, {dense_activation, false});
  Matrix logits = s.alloc(cls.rows, out->out_features());
  s.linear(pooled, *out, logits);
  return logits;
}

}  // namespace rerank::models
