#include "models/qwen3_model.hpp"

#include <cmath>

#include "models/layers.hpp"
#include "models/token_sequence.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

using engine::Matrix;

ModelLoader qwen3_model_loader() {
  return [](const CheckpointInfo& checkpoint, const WeightSource& weights, std::shared_ptr<const engine::Device> device,
            const LoadSettings& settings) {
    return std::make_shared<const Qwen3Model>(parse_qwen3_config(checkpoint.config, checkpoint.where), weights,
                                              std::move(device), settings);
  };
}

Qwen3Model::Qwen3Model(Qwen3Config config, const WeightSource& w, std::shared_ptr<const engine::Device> device,
                       const LoadSettings& settings)
    : config_(std::move(config)), device_(std::move(device)) {
  const engine::Precision precision = settings.precision;
  const engine::Device& dev = *device_;
  const std::int64_t h = config_.hidden_size, hd = config_.head_dim, ff = config_.intermediate_size;
  const std::int64_t q_rows = config_.num_heads * hd, kv_rows = config_.num_kv_heads * hd;
  // Per-token int8 scales: the residual stream of a pre-norm decoder has outlier channels
  // that one scale per matrix would let swamp every other token.
  const auto scales = engine::ActivationScales::PerToken;
  const bool bias = config_.attention_bias;
  std::vector<float> embed = w.get("model.embed_tokens.weight", {config_.vocab_size, h});
  for (std::int64_t i = 0; i < config_.num_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const std::string a = p + "self_attn.";
    Layer l;
    l.input_norm = dev.upload(w.get(p + "input_layernorm.weight", {h}));
    l.qkv = load_stacked_linear(w, dev, {{a + "q_proj", q_rows}, {a + "k_proj", kv_rows}, {a + "v_proj", kv_rows}}, h,
                                precision, bias, scales);
    l.q_norm = dev.upload(w.get(a + "q_norm.weight", {hd}));
    l.k_norm = dev.upload(w.get(a + "k_norm.weight", {hd}));
    l.o = load_linear(w, dev, a + "o_proj", h, q_rows, precision, bias, scales);
    l.post_attention_norm = dev.upload(w.get(p + "post_attention_layernorm.weight", {h}));
    l.gate_up = load_stacked_linear(w, dev, {{p + "mlp.gate_proj", ff}, {p + "mlp.up_proj", ff}}, h, precision, false,
                                    scales);
    l.down = load_linear(w, dev, p + "mlp.down_proj", h, ff, precision, false, scales);
    layers_.push_back(std::move(l));
  }
  final_norm_ = dev.upload(w.get("model.norm.weight", {h}));
  // The head runs in fp32 whatever the body's precision: it is one row per sequence, and
  // the reranker's score is a difference of two of its logits (recipes §0.1.6).
  if (config_.sequence_classification) {
    head_ = load_linear(w, dev, "score", config_.num_labels, h, engine::Precision::F32, false);
  } else if (config_.tie_word_embeddings) {
    head_ = make_vocabulary_head(dev, embed, config_.vocab_size, h, settings.vocabulary_rows);
  } else {
    head_ = make_vocabulary_head(dev, w.get("lm_head.weight", {config_.vocab_size, h}), config_.vocab_size, h,
                                 settings.vocabulary_rows);
  }
  embed_tokens_ = dev.upload(std::move(embed));

  traits_.architecture = config_.architecture;
  traits_.family = "qwen3";
  traits_.max_sequence_length = config_.max_position_embeddings;
  traits_.pad_token_id = 0;  // unused: sequences run unpadded
  if (config_.sequence_classification) {
    traits_.output = OutputKind::SequenceLogits;
    traits_.outputs_per_sequence = static_cast<std::size_t>(config_.num_labels);
  } else if (!settings.vocabulary_rows.empty()) {
    traits_.output = OutputKind::SelectedLogits;
    traits_.outputs_per_sequence = settings.vocabulary_rows.size();
  } else {
    traits_.output = OutputKind::VocabularyLogits;
    traits_.outputs_per_sequence = static_cast<std::size_t>(config_.vocab_size);
  }
  traits_.precision = precision;
}

double Qwen3Model::flops(std::size_t tokens) const {
  const double h = static_cast<double>(config_.hidden_size), hd = static_cast<double>(config_.head_dim);
  const double q = static_cast<double>(config_.num_heads) * hd, kv = static_cast<double>(config_.num_kv_heads) * hd;
  const double ff = static_cast<double>(config_.intermediate_size), t = static_cast<double>(tokens);
  // Per token: Q|K|V, O, gate|up, down; causal attention: about half of the t x t products.
  const double per_layer = 2 * t * (h * (q + 2 * kv) + q * h + 3 * h * ff) + 2 * q * t * t;
  const double head = 2 * h * static_cast<double>(traits_.outputs_per_sequence);
  return static_cast<double>(config_.num_layers) * per_layer + head;
}

void Qwen3Model::append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                                 std::span<const std::int32_t>) const {
  append_token_sequence(batch, ids, config_.vocab_size, traits_.max_sequence_length);
}

std::vector<float> Qwen3Model::forward(engine::Session& s, const engine::PackedBatch& batch) const {
  const auto tokens = static_cast<std::int64_t>(batch.num_tokens());
  const auto sequences = static_cast<std::int64_t>(batch.num_sequences());
  if (sequences == 0) return {};
  const std::int64_t h = config_.hidden_size, hd = config_.head_dim, heads = config_.num_heads;
  const std::int64_t kv_heads = config_.num_kv_heads;
  const auto eps = static_cast<float>(config_.rms_norm_eps);
  s.begin();

  engine::AttentionSpec spec;
  spec.heads = heads;
  spec.kv_heads = kv_heads;
  spec.head_dim = hd;
  spec.causal = true;
  spec.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));  // head_dim ** -0.5
  spec.rotary_on = true;
  spec.rotary.theta = static_cast<float>(config_.rope_theta);
  spec.rotary.layout = engine::RotarySpec::Layout::HalfSplit;
  spec.rotary.linear_scaling = static_cast<float>(config_.rope_linear_factor);
  spec.precision = traits_.precision;

  Matrix x = s.alloc(tokens, h);
  s.embed(batch, *embed_tokens_, nullptr, nullptr, x);
  Matrix normed = s.alloc(tokens, h);
  Matrix qkv = s.alloc(tokens, (heads + 2 * kv_heads) * hd);
  Matrix context = s.alloc(tokens, heads * hd);
  Matrix gate_up = s.alloc(tokens, 2 * config_.intermediate_size);
  Matrix inner = s.alloc(tokens, config_.intermediate_size);
  const engine::AttentionInputs self_in = engine::AttentionInputs::self(qkv, batch.seq_starts);
  const engine::LinearEpilogue residual{engine::Activation::None, /*accumulate=*/true};
  for (const Layer& l : layers_) {
    s.convert(x, normed);
    s.rms_norm(normed, *l.input_norm, eps);
    s.linear(normed, *l.qkv, qkv);
    s.rms_norm_heads(qkv, 0, heads, *l.q_norm, eps);
    s.rms_norm_heads(qkv, heads * hd, kv_heads, *l.k_norm, eps);
    s.attention(self_in, spec, context);
    s.linear(context, *l.o, x, residual);
    s.convert(x, normed);
    s.rms_norm(normed, *l.post_attention_norm, eps);
    s.linear(normed, *l.gate_up, gate_up);
    s.gated_activation(gate_up, inner, engine::Activation::Silu);
    s.linear(inner, *l.down, x, residual);
  }
  // The last token of each sequence: the final norm and the head run on those rows only.
  std::vector<std::int32_t> last(static_cast<std::size_t>(sequences));
  for (std::int64_t i = 0; i < sequences; ++i) last[i] = batch.seq_starts[i + 1] - 1;
  Matrix final_rows = s.alloc(sequences, h);
  s.gather_rows(x, last, final_rows);
  s.rms_norm(final_rows, *final_norm_, eps);
  Matrix logits = s.alloc(sequences, static_cast<std::int64_t>(traits_.outputs_per_sequence));
  s.linear(final_rows, *head_, logits);
  std::vector<float> out(static_cast<std::size_t>(logits.rows * logits.cols));
  s.to_host(logits, out.data());
  return out;
}

}  // namespace rerank::models
