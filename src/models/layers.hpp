// The shared building blocks of BERT-family encoders, loaded from a WeightSource onto a
// Device and run through a Session. Architectures differ only in tensor names and flags.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/device.hpp"
#include "models/encoder_config.hpp"
#include "models/weight_source.hpp"

namespace rerank::models {

// The activation a config's hidden_act names.
engine::Activation activation_from_name(const std::string& hidden_act);

struct LayerNorm {
  std::unique_ptr<engine::DeviceBuffer> gamma, beta;
  float eps = 1e-12f;
  // PREFIX.weight/.bias (or the old PREFIX.gamma/.beta names).
  static LayerNorm load(const WeightSource& src, const engine::Device& dev, const std::string& prefix,
                        std::int64_t size, double eps);
  // PREFIX.weight, and PREFIX.bias only when `bias` (nn.LayerNorm(bias=False) has none).
  static LayerNorm load(const WeightSource& src, const engine::Device& dev, const std::string& prefix,
                        std::int64_t size, double eps, bool bias);
  // In place; also writes `copy` (the next GEMM's input copy) when given.
  void forward(engine::Session& s, engine::Matrix& x, engine::Matrix* copy = nullptr) const {
    s.layer_norm(x, *gamma, beta.get(), eps, copy);
  }
};

// PREFIX.weight [out x in] and PREFIX.bias [out].
std::unique_ptr<engine::LinearWeights> load_linear(const WeightSource& src, const engine::Device& dev,
                                                   const std::string& prefix, std::int64_t out, std::int64_t in,
                                                   engine::Precision precision);
// PREFIX.weight, and PREFIX.bias only when `bias` (nn.Linear(bias=False) has none).
std::unique_ptr<engine::LinearWeights> load_linear(
    const WeightSource& src, const engine::Device& dev, const std::string& prefix, std::int64_t out, std::int64_t in,
    engine::Precision precision, bool bias,
    engine::ActivationScales int8_scales = engine::ActivationScales::PerTensor);

// Several projections of one input fused into one GEMM (Q|K|V, gate|up): the weights of
// each PREFIX [rows x in] stacked in order, and their biases when `bias`.
struct StackedPart {
  std::string prefix;
  std::int64_t rows = 0;
};
std::unique_ptr<engine::LinearWeights> load_stacked_linear(const WeightSource& src, const engine::Device& dev,
                                                           const std::vector<StackedPart>& parts, std::int64_t in,
                                                           engine::Precision precision, bool bias,
                                                           engine::ActivationScales int8_scales);

// A language-model head over `head` [vocab x width], always fp32 (rerankers subtract two of
// its logits): every row, or only `rows` in their order (LoadSettings::vocabulary_rows).
// Error(ModelFormat) naming a row outside the vocabulary.
std::unique_ptr<engine::LinearWeights> make_vocabulary_head(const engine::Device& dev, std::span<const float> head,
                                                            std::int64_t vocab, std::int64_t width,
                                                            const std::vector<std::int32_t>& rows);

struct Embeddings {
  std::unique_ptr<engine::DeviceBuffer> word, position, token_type;
  LayerNorm norm;
  std::unique_ptr<engine::LinearWeights> project;  // ELECTRA: embedding_size -> hidden_size
  std::int64_t width = 0;                          // embedding_size

  // PREFIX.{word,position,token_type}_embeddings, PREFIX.LayerNorm; `project_prefix` when
  // embedding_size != hidden_size.
  static Embeddings load(const WeightSource& src, const engine::Device& dev, const std::string& prefix,
                         const std::string& project_prefix, const EncoderConfig& cfg);
  // Writes [tokens x hidden_size] into `out`, and into `out_copy` (when given) the copy the
  // first layer's GEMM reads.
  void forward(engine::Session& s, const engine::PackedBatch& batch, engine::Matrix& out,
               engine::Matrix* out_copy) const;
};

// Self-attention + feed-forward with post-layer norms (BERT's block).
struct EncoderLayer {
  // Q, K and V projections fused into one GEMM; or, in a layer loaded for its first tokens
  // only, Q apart from K|V (Q then runs on those tokens alone).
  std::unique_ptr<engine::LinearWeights> qkv;
  std::unique_ptr<engine::LinearWeights> query, key_value;
  std::unique_ptr<engine::LinearWeights> attention_out;
  LayerNorm attention_norm;
  std::unique_ptr<engine::LinearWeights> ffn_in;
  std::unique_ptr<engine::LinearWeights> ffn_out;
  LayerNorm ffn_norm;
  std::int64_t num_heads = 0;
  engine::Activation ffn_activation = engine::Activation::GeluErf;
  engine::Precision precision = engine::Precision::F32;  // of the layer's GEMMs

  // PREFIX.attention.self.{query,key,value}, PREFIX.attention.output.{dense,LayerNorm},
  // PREFIX.intermediate.dense, PREFIX.output.{dense,LayerNorm}. `first_tokens_only`: the
  // layer runs by forward_first_tokens (Q apart from K|V).
  static EncoderLayer load(const WeightSource& src, const engine::Device& dev, const std::string& prefix,
                           const EncoderConfig& cfg, engine::Precision precision, bool first_tokens_only = false);

  struct Scratch {
    engine::Matrix qkv, context, ffn;
    // The copy of hidden the GEMMs read where the backend wants one
    // (Session::alloc_input_copy): written by every layer norm that updates hidden.
    std::optional<engine::Matrix> hidden_copy;
  };
  // hidden (and scratch.hidden_copy, which must hold hidden on entry) is updated in place.
  void forward(engine::Session& s, const engine::PackedBatch& batch, engine::Matrix& hidden, Scratch& scratch) const;
  // The layer's output for the first token of each sequence only [sequences x hidden], what
  // a classifier reading the first token needs of the last layer: K and V for every token,
  // everything else (Q, attention, output projection, norms, FFN) for those tokens alone,
  // each row computed as forward() computes it. hidden is read, not changed.
  engine::Matrix forward_first_tokens(engine::Session& s, const engine::PackedBatch& batch, const engine::Matrix& hidden,
                                      Scratch& scratch) const;
};

// dense(h -> h) + activation, then out(h -> labels): BERT's pooler + classifier, RoBERTa's
// and ELECTRA's classification heads. Always fp32 (tiny).
struct ClassificationHead {
  std::unique_ptr<engine::LinearWeights> dense;
  engine::Activation dense_activation = engine::Activation::Tanh;
  std::unique_ptr<engine::LinearWeights> out;

  static ClassificationHead load(const WeightSource& src, const engine::Device& dev, const std::string& dense_prefix,
                                 engine::Activation dense_activation, const std::string& out_prefix,
                                 const EncoderConfig& cfg);
  // cls: [sequences x hidden] -> logits [sequences x labels]
  engine::Matrix forward(engine::Session& s, const engine::Matrix& cls) const;
};

}  // namespace rerank::models
