#include "models/layers.hpp"

#include <cstring>
#include <numeric>

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
                                const EncoderConfig& cfg, engine::Precision precision, bool first_tokens_only) {
  EncoderLayer l;
  const std::int64_t h = cfg.hidden_size, inter = cfg.intermediate_size;
  const std::string self = p + ".attention.self.";
  if (first_tokens_only) {
    l.query = load_linear(src, dev, self + "query", h, h, precision);
    l.key_value = load_stacked_linear(src, dev, {{self + "key", h}, {self + "value", h}}, h, precision, /*bias=*/true,
                                      engine::ActivationScales::PerTensor);
  } else {
    l.qkv = load_stacked_linear(src, dev, {{self + "query", h}, {self + "key", h}, {self + "value", h}}, h, precision,
                                /*bias=*/true, engine::ActivationScales::PerTensor);
  }
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

Matrix EncoderLayer::forward_first_tokens(engine::Session& s, const engine::PackedBatch& batch, const Matrix& hidden,
                                          Scratch& scratch) const {
  if (!query || !key_value) throw Error(ErrorCode::Internal, "this encoder layer was not loaded for its first tokens");
  const auto sequences = static_cast<std::int64_t>(batch.num_sequences());
  const std::span<const std::int32_t> firsts(batch.seq_starts.data(), static_cast<std::size_t>(sequences));
  const Matrix& gemm_input = scratch.hidden_copy ? *scratch.hidden_copy : hidden;
  // fp32 Q, K|V and context, as T5's cross-attention has them on every backend.
  Matrix kv = s.alloc(hidden.rows, key_value->out_features());
  s.linear(gemm_input, *key_value, kv);
  Matrix first = s.alloc(sequences, hidden.cols);  // the residual stream of the first tokens
  s.gather_rows(hidden, firsts, first);
  Matrix q = s.alloc(sequences, query->out_features());
  s.linear(first, *query, q);
  // One query per sequence, attending to every key of its sequence.
  std::vector<std::int32_t> query_starts(static_cast<std::size_t>(sequences) + 1);
  std::iota(query_starts.begin(), query_starts.end(), 0);
  Matrix context = s.alloc(sequences, hidden.cols);
  s.attention(engine::AttentionInputs::cross(q, query_starts, kv, batch.seq_starts),
              engine::AttentionSpec::bidirectional(num_heads, num_heads > 0 ? hidden.cols / num_heads : 0, precision),
              context);
  s.linear(context, *attention_out, first, {Activation::None, /*accumulate=*/true});
  attention_norm.forward(s, first);
  Matrix ffn = engine::row_range(scratch.ffn, 0, sequences);
  s.feed_forward(first, *ffn_in, ffn_activation, *ffn_out, ffn, first);
  ffn_norm.forward(s, first);
  return first;
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
