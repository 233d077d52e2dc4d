#include "models/qwen3_model.hpp"

#include <algorithm>
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

engine::AttentionSpec Qwen3Model::attention_spec() const {
  engine::AttentionSpec spec;
  spec.heads = config_.num_heads;
  spec.kv_heads = config_.num_kv_heads;
  spec.head_dim = config_.head_dim;
  spec.causal = true;
  spec.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(config_.head_dim)));  // head_dim ** -0.5
  spec.rotary_on = true;
  spec.rotary.theta = static_cast<float>(config_.rope_theta);
  spec.rotary.layout = engine::RotarySpec::Layout::HalfSplit;
  spec.rotary.linear_scaling = static_cast<float>(config_.rope_linear_factor);
  spec.precision = traits_.precision;
  return spec;
}

void Qwen3Model::run_layers(engine::Session& s, const engine::PackedBatch& batch, Matrix& x, KvCache* cache) const {
  const auto tokens = static_cast<std::int64_t>(batch.num_tokens());
  const std::int64_t h = config_.hidden_size, hd = config_.head_dim, heads = config_.num_heads;
  const std::int64_t kv_heads = config_.num_kv_heads;
  const auto eps = static_cast<float>(config_.rms_norm_eps);
  const engine::AttentionSpec spec = attention_spec();
  Matrix normed = s.alloc(tokens, h);
  Matrix qkv = s.alloc(tokens, (heads + 2 * kv_heads) * hd);
  Matrix context = s.alloc(tokens, heads * hd);
  Matrix gate_up = s.alloc(tokens, 2 * config_.intermediate_size);
  Matrix inner = s.alloc(tokens, config_.intermediate_size);
  // With a cache: the one sequence continues prefix 0, the cached rows.
  const std::vector<std::int32_t> prefix_starts{0, cache ? static_cast<std::int32_t>(cache->cached) : 0};
  const std::vector<std::int32_t> prefix_of{0};
  const engine::LinearEpilogue residual{engine::Activation::None, /*accumulate=*/true};
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    s.convert(x, normed);
    s.rms_norm(normed, *l.input_norm, eps);
    s.linear(normed, *l.qkv, qkv);
    s.rms_norm_heads(qkv, 0, heads, *l.q_norm, eps);
    s.rms_norm_heads(qkv, heads * hd, kv_heads, *l.k_norm, eps);
    engine::AttentionInputs in = engine::AttentionInputs::self(qkv, batch.seq_starts);
    Matrix kv_out, prefix;
    if (cache) {
      kv_out = engine::row_range(cache->layers[i], cache->cached, tokens);
      in.kv_out = &kv_out;
      if (cache->cached > 0) {
        prefix = engine::row_range(cache->layers[i], 0, cache->cached);
        in.prefix_kv = &prefix;
        in.prefix_starts = prefix_starts;
        in.prefix_of = prefix_of;
      }
    }
    s.attention(in, spec, context);
    s.linear(context, *l.o, x, residual);
    s.convert(x, normed);
    s.rms_norm(normed, *l.post_attention_norm, eps);
    s.linear(normed, *l.gate_up, gate_up);
    s.gated_activation(gate_up, inner, engine::Activation::Silu);
    s.linear(inner, *l.down, x, residual);
  }
  if (cache) cache->cached += tokens;
}

void Qwen3Model::run_head(engine::Session& s, const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) const {
  Matrix final_rows = s.alloc(static_cast<std::int64_t>(rows.size()), config_.hidden_size);
  s.gather_rows(x, rows, final_rows);
  s.rms_norm(final_rows, *final_norm_, static_cast<float>(config_.rms_norm_eps));
  s.linear(final_rows, *head_, out);
}

std::vector<float> Qwen3Model::forward(engine::Session& s, const engine::PackedBatch& batch) const {
  const auto tokens = static_cast<std::int64_t>(batch.num_tokens());
  const auto sequences = static_cast<std::int64_t>(batch.num_sequences());
  if (sequences == 0) return {};
  s.begin();
  Matrix x = s.alloc(tokens, config_.hidden_size);
  s.embed(batch, *embed_tokens_, nullptr, nullptr, x);
  run_layers(s, batch, x, nullptr);
  // The last token of each sequence: the final norm and the head run on those rows only.
  std::vector<std::int32_t> last(static_cast<std::size_t>(sequences));
  for (std::int64_t i = 0; i < sequences; ++i) last[i] = batch.seq_starts[i + 1] - 1;
  Matrix logits = s.alloc(sequences, static_cast<std::int64_t>(traits_.outputs_per_sequence));
  run_head(s, x, last, logits);
  std::vector<float> out(static_cast<std::size_t>(logits.rows * logits.cols));
  s.to_host(logits, out.data());
  return out;
}

Generation Qwen3Model::generate(engine::Session& s, std::span<const std::int32_t> prompt,
                                const GenerationOptions& options) const {
  if (traits_.output != OutputKind::VocabularyLogits) {
    throw Error(ErrorCode::NotSupported, traits_.architecture +
                                             " loaded with a classification head or selected vocabulary rows cannot "
                                             "generate: load it with the whole vocabulary head");
  }
  Generation result;
  if (options.max_new_tokens == 0) return result;
  // The last new token is never fed back, so the cache holds the prompt and all but one.
  const auto capacity = static_cast<std::int64_t>(prompt.size() + options.max_new_tokens - 1);
  if (prompt.empty() || capacity > traits_.max_sequence_length) {
    throw Error(ErrorCode::InvalidInput, "a prompt of " + std::to_string(prompt.size()) + " tokens and " +
                                             std::to_string(options.max_new_tokens) +
                                             " new ones do not fit the model's " +
                                             std::to_string(traits_.max_sequence_length) + " positions");
  }
  s.begin();
  KvCache cache;
  const std::int64_t kv_cols = 2 * config_.num_kv_heads * config_.head_dim;
  for (std::size_t i = 0; i < layers_.size(); ++i) cache.layers.push_back(s.alloc(capacity, kv_cols));
  const auto vocab = static_cast<std::int64_t>(traits_.outputs_per_sequence);
  Matrix logits = s.alloc(1, vocab);
  std::vector<float> host(static_cast<std::size_t>(vocab));
  // Runs `ids` after the cached tokens; the argmax of the logits at the last of them.
  auto step = [&](std::span<const std::int32_t> ids) {
    engine::PackedBatch batch;
    append_token_sequence(batch, ids, config_.vocab_size, traits_.max_sequence_length);
    Matrix x = s.alloc(static_cast<std::int64_t>(ids.size()), config_.hidden_size);
    s.embed(batch, *embed_tokens_, nullptr, nullptr, x);
    run_layers(s, batch, x, &cache);
    const std::int32_t last = static_cast<std::int32_t>(ids.size()) - 1;
    run_head(s, x, std::span<const std::int32_t>(&last, 1), logits);
    s.to_host(logits, host.data());
    if (options.keep_logits) result.logits.insert(result.logits.end(), host.begin(), host.end());
    return static_cast<std::int32_t>(std::max_element(host.begin(), host.end()) - host.begin());
  };
  std::int32_t next = step(prompt);
  for (;;) {
    result.tokens.push_back(next);
    const bool stop = std::find(options.stop_ids.begin(), options.stop_ids.end(), next) != options.stop_ids.end();
    if (stop || result.tokens.size() == options.max_new_tokens) break;
    next = step(std::span<const std::int32_t>(&next, 1));
  }
  return result;
}

}  // namespace rerank::models
