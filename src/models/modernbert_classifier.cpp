#include "models/modernbert_classifier.hpp"

#include <algorithm>

#include "io/safetensors.hpp"
#include "models/token_sequence.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

using engine::Matrix;

ModelLoader modernbert_classifier_loader(ModernBertHeadLayout layout) {
  return [layout](const CheckpointInfo& checkpoint, const WeightSource& weights,
                  std::shared_ptr<const engine::Device> device, const LoadSettings& settings) {
    const engine::Precision precision = settings.precision;
    std::optional<ModularHead> modular;
    if (layout == ModernBertHeadLayout::SentenceTransformers) {
      modular = read_modular_cross_encoder_head(checkpoint.directory);
      if (!modular) {
        throw Error(ErrorCode::ModelFormat, checkpoint.where + ": a bare ModernBERT encoder is a reranker only with a "
                                                               "sentence-transformers CrossEncoder head in modules.json");
      }
    }
    return std::make_shared<const ModernBertClassifier>(parse_modernbert_config(checkpoint.config, checkpoint.where),
                                                        weights, std::move(modular), std::move(device), precision);
  };
}

ModernBertClassifier::ModernBertClassifier(ModernBertConfig config, const WeightSource& weights,
                                           std::optional<ModularHead> modular,
                                           std::shared_ptr<const engine::Device> device, engine::Precision layer_precision)
    : config_(std::move(config)), device_(std::move(device)) {
  const engine::Device& dev = *device_;
  const std::int64_t h = config_.hidden_size, inter = config_.intermediate_size;
  const double eps = config_.norm_eps;
  const bool norm_bias = config_.norm_bias;
  // ModernBertForSequenceClassification nests the encoder under "model."; a bare
  // ModernBertModel (sentence-transformers' Transformer module) has no prefix.
  const std::string m = modular ? "" : "model.";
  tok_embeddings_ = dev.upload(weights.get(m + "embeddings.tok_embeddings.weight", {config_.vocab_size, h}));
  embeddings_norm_ = LayerNorm::load(weights, dev, m + "embeddings.norm", h, eps, norm_bias);
  for (std::int64_t i = 0; i < config_.num_hidden_layers; ++i) {
    const std::string p = m + "layers." + std::to_string(i);
    // int8: per-token activation scales, and the first layer (it reads the embeddings,
    // whose per-token ranges lose the most to 8 bits) at bf16, which on the modernbert-ce
    // fixture take the largest |score - fp32| from 0.153 (per-tensor) to 0.030.
    const engine::Precision precision =
        i == 0 && layer_precision == engine::Precision::Int8 ? engine::Precision::BF16 : layer_precision;
    const auto scales = engine::ActivationScales::PerToken;
    Layer l;
    // transformers: layer 0's attn_norm is nn.Identity (the embeddings were just normalised).
    if (i > 0) l.attn_norm = std::make_unique<LayerNorm>(LayerNorm::load(weights, dev, p + ".attn_norm", h, eps, norm_bias));
    l.wqkv = load_linear(weights, dev, p + ".attn.Wqkv", 3 * h, h, precision, config_.attention_bias, scales);
    l.wo = load_linear(weights, dev, p + ".attn.Wo", h, h, precision, config_.attention_bias, scales);
    l.mlp_norm = LayerNorm::load(weights, dev, p + ".mlp_norm", h, eps, norm_bias);
    l.wi = load_linear(weights, dev, p + ".mlp.Wi", 2 * inter, h, precision, config_.mlp_bias, scales);
    l.mlp_wo = load_linear(weights, dev, p + ".mlp.Wo", h, inter, precision, config_.mlp_bias, scales);
    const bool sliding = config_.sliding[static_cast<std::size_t>(i)];
    l.attention = engine::AttentionSpec::bidirectional(config_.num_attention_heads, config_.head_dim(), precision);
    l.attention.rotary_on = true;
    l.attention.rotary.theta = sliding ? config_.local_rope_theta : config_.global_rope_theta;
    l.attention.rotary.layout = engine::RotarySpec::Layout::HalfSplit;
    if (sliding) l.attention.window = {engine::AttentionWindow::Kind::Symmetric, config_.local_attention / 2};
    layers_.push_back(std::move(l));
  }
  final_norm_ = LayerNorm::load(weights, dev, m + "final_norm", h, eps, norm_bias);
  // The head runs fp32 (a few rows per batch), as the BERT family's does.
  std::size_t outputs = config_.num_labels;
  if (modular) {
    mean_pooling_ = modular->mean_pooling;
    if (modular->steps.front().in != h) {
      throw Error(ErrorCode::ModelFormat, modular->steps.front().folder.string() + ": the head takes " +
                                              std::to_string(modular->steps.front().in) + " features, the encoder gives " +
                                              std::to_string(h));
    }
    for (const ModularHeadStep& step : modular->steps) {
      const CheckpointWeights module_weights(io::Checkpoint::open(step.folder));
      HeadStep out;
      if (step.kind == ModularHeadStep::Kind::Dense) {
        out.linear = load_linear(module_weights, dev, "linear", step.out, step.in, engine::Precision::F32, step.bias);
        out.activation = step.activation;
      } else {
        out.norm = std::make_unique<LayerNorm>(LayerNorm::load(module_weights, dev, "norm", step.in, 1e-5, true));
      }
      head_.push_back(std::move(out));
    }
    outputs = static_cast<std::size_t>(modular->outputs());
  } else {
    mean_pooling_ = config_.mean_pooling;
    HeadStep dense, norm, classifier;
    dense.linear = load_linear(weights, dev, "head.dense", h, h, engine::Precision::F32, config_.classifier_bias);
    dense.activation = config_.classifier_activation;
    norm.norm = std::make_unique<LayerNorm>(LayerNorm::load(weights, dev, "head.norm", h, eps, norm_bias));
    const auto labels = static_cast<std::int64_t>(config_.num_labels);
    try {
      classifier.linear = load_linear(weights, dev, "classifier", labels, h, engine::Precision::F32, true);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::ModelFormat) throw;
      throw Error(ErrorCode::ModelFormat, std::string(e.what()) + " (config.json declares " + std::to_string(labels) +
                                              " label(s): len(id2label), else 2)");
    }
    head_.push_back(std::move(dense));
    head_.push_back(std::move(norm));
    head_.push_back(std::move(classifier));
  }

  traits_.architecture = config_.architecture;
  traits_.family = "modernbert";
  traits_.max_sequence_length = config_.max_position_embeddings;
  traits_.pad_token_id = static_cast<std::int32_t>(config_.pad_token_id);
  traits_.output = OutputKind::SequenceLogits;
  traits_.outputs_per_sequence = outputs;
  traits_.precision = layer_precision;
}

double ModernBertClassifier::flops(std::size_t tokens) const {
  // Per token and layer: Wqkv (3 h^2), Wo (h^2), Wi (2 h i) and the MLP's Wo (i h), 2 FLOPs
  // per multiply-add; per layer the Q K^T and P V products over the keys each query sees:
  // all t on global layers, |i - j| <= local_attention / 2 on sliding ones.
  const double h = static_cast<double>(config_.hidden_size), inter = static_cast<double>(config_.intermediate_size);
  const auto t = static_cast<std::int64_t>(tokens);
  const std::int64_t radius = config_.local_attention / 2;
  double window_keys = 0;  // sum over queries of the keys a sliding layer lets each see
  for (std::int64_t i = 0; i < t; ++i) {
    window_keys += static_cast<double>(std::min(i, radius) + std::min(t - 1 - i, radius) + 1);
  }
  double total = 0;
  for (const bool sliding : config_.sliding) {
    const double keys = sliding ? window_keys : static_cast<double>(t) * static_cast<double>(t);
    total += 2 * (4 * h * h + 3 * h * inter) * static_cast<double>(t) + 4 * h * keys;
  }
  return total;
}

void ModernBertClassifier::append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                               std::span<const std::int32_t>) const {
  append_token_sequence(batch, ids, config_.vocab_size, traits_.max_sequence_length);
}

std::vector<float> ModernBertClassifier::forward(engine::Session& s, const engine::PackedBatch& batch) const {
  const auto tokens = static_cast<std::int64_t>(batch.num_tokens());
  const auto sequences = static_cast<std::int64_t>(batch.num_sequences());
  if (sequences == 0) return {};
  const std::int64_t h = config_.hidden_size, inter = config_.intermediate_size;
  const engine::Precision precision = traits_.precision;
  s.begin();
  Matrix hidden = s.alloc(tokens, h);
  s.embed(batch, *tok_embeddings_, nullptr, nullptr, hidden);
  embeddings_norm_.forward(s, hidden);
  // Pre-norm: each block reads a normalised copy of the residual stream and adds to it.
  Matrix normed = s.alloc(tokens, h);
  Matrix qkv = s.alloc_scratch(tokens, 3 * h, precision);
  Matrix context = s.alloc_scratch(tokens, h, precision);
  Matrix glu_in = s.alloc(tokens, 2 * inter);
  Matrix glu_out = s.alloc_scratch(tokens, inter, precision);
  const engine::AttentionInputs attention_in = engine::AttentionInputs::self(qkv, batch.seq_starts);
  for (const Layer& l : layers_) {
    const Matrix* block_in = &hidden;
    if (l.attn_norm) {
      s.convert(hidden, normed);
      l.attn_norm->forward(s, normed);
      block_in = &normed;
    }
    s.linear(*block_in, *l.wqkv, qkv);
    s.attention(attention_in, l.attention, context);
    s.linear(context, *l.wo, hidden, {engine::Activation::None, /*accumulate=*/true});
    s.convert(hidden, normed);
    l.mlp_norm.forward(s, normed);
    s.linear(normed, *l.wi, glu_in);
    s.gated_activation(glu_in, glu_out, config_.hidden_activation);
    s.linear(glu_out, *l.mlp_wo, hidden, {engine::Activation::None, /*accumulate=*/true});
  }
  final_norm_.forward(s, hidden);
  Matrix x = s.alloc(sequences, h);
  if (mean_pooling_) {
    s.mean_rows(hidden, batch.seq_starts, x);
  } else {
    s.gather_rows(hidden, std::span<const std::int32_t>(batch.seq_starts.data(), static_cast<std::size_t>(sequences)),
                  x);
  }
  for (const HeadStep& step : head_) {
    if (step.norm) {
      step.norm->forward(s, x);
    } else {
      Matrix y = s.alloc(sequences, step.linear->out_features());
      s.linear(x, *step.linear, y, {step.activation, false});
      x = y;
    }
  }
  const Matrix& logits = x;
  std::vector<float> out(static_cast<std::size_t>(logits.rows * logits.cols));
  s.to_host(logits, out.data());
  return out;
}

}  // namespace rerank::models
