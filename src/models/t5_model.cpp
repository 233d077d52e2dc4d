#include "models/t5_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "models/layers.hpp"
#include "models/token_sequence.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

using engine::Matrix;

namespace {

// Longest sequence T5's relative positions are run on here (they have no hard limit; the
// tokenizer's model_max_length decides the usual one).
constexpr std::int64_t kMaxT5Tokens = 1 << 16;

}  // namespace

ModelLoader t5_model_loader() {
  return [](const CheckpointInfo& checkpoint, const WeightSource& weights, std::shared_ptr<const engine::Device> device,
            const LoadSettings& settings) {
    return std::make_shared<const T5Model>(parse_t5_config(checkpoint.config, checkpoint.where), weights,
                                           std::move(device), settings);
  };
}

T5Model::FeedForward T5Model::load_ff(const WeightSource& w, const std::string& p, engine::Precision precision) const {
  const engine::Device& dev = *device_;
  const std::int64_t d = config_.d_model, ff = config_.d_ff;
  FeedForward out;
  out.norm = dev.upload(w.get(p + ".layer_norm.weight", {d}));
  const std::string dense = p + ".DenseReluDense";
  const auto scales = engine::ActivationScales::PerToken;
  if (config_.gated) {
    out.wi = load_stacked_linear(w, dev, {{dense + ".wi_0", ff}, {dense + ".wi_1", ff}}, d, precision, false, scales);
  } else {
    out.wi = dev.make_linear(w.get(dense + ".wi.weight", {ff, d}), {}, ff, d, precision, scales);
  }
  out.wo = dev.make_linear(w.get(dense + ".wo.weight", {d, ff}), {}, d, ff, precision, scales);
  return out;
}

T5Model::T5Model(T5Config config, const WeightSource& w, std::shared_ptr<const engine::Device> device,
                 const LoadSettings& settings)
    : config_(std::move(config)), device_(std::move(device)) {
  const engine::Precision precision = settings.precision;
  const engine::Device& dev = *device_;
  const std::int64_t d = config_.d_model, inner = config_.inner_dim(), heads = config_.num_heads;
  const auto scales = engine::ActivationScales::PerToken;
  std::vector<float> shared = w.get("shared.weight", {config_.vocab_size, d});
  encoder_bias_ = dev.upload(w.get("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                                   {config_.relative_attention_num_buckets, heads}));
  for (std::int64_t i = 0; i < config_.num_layers; ++i) {
    const std::string p = "encoder.block." + std::to_string(i) + ".layer.";
    EncoderLayer l;
    l.attention_norm = dev.upload(w.get(p + "0.layer_norm.weight", {d}));
    const std::string a = p + "0.SelfAttention.";
    l.qkv = load_stacked_linear(w, dev, {{a + "q", inner}, {a + "k", inner}, {a + "v", inner}}, d, precision, false,
                                scales);
    l.o = dev.make_linear(w.get(a + "o.weight", {d, inner}), {}, d, inner, precision, scales);
    l.ff = load_ff(w, p + "1", precision);
    encoder_.push_back(std::move(l));
  }
  encoder_norm_ = dev.upload(w.get("encoder.final_layer_norm.weight", {d}));
  for (std::int64_t i = 0; i < config_.num_decoder_layers; ++i) {
    const std::string p = "decoder.block." + std::to_string(i) + ".layer.";
    DecoderLayer l;
    l.self_norm = dev.upload(w.get(p + "0.layer_norm.weight", {d}));
    l.self_v = dev.make_linear(w.get(p + "0.SelfAttention.v.weight", {inner, d}), {}, inner, d, precision, scales);
    l.self_o = dev.make_linear(w.get(p + "0.SelfAttention.o.weight", {d, inner}), {}, d, inner, precision, scales);
    l.cross_norm = dev.upload(w.get(p + "1.layer_norm.weight", {d}));
    const std::string c = p + "1.EncDecAttention.";
    l.cross_q = dev.make_linear(w.get(c + "q.weight", {inner, d}), {}, inner, d, precision, scales);
    l.cross_kv = load_stacked_linear(w, dev, {{c + "k", inner}, {c + "v", inner}}, d, precision, false, scales);
    l.cross_o = dev.make_linear(w.get(c + "o.weight", {d, inner}), {}, d, inner, precision, scales);
    l.ff = load_ff(w, p + "2", precision);
    decoder_.push_back(std::move(l));
  }
  decoder_norm_ = dev.upload(w.get("decoder.final_layer_norm.weight", {d}));
  // The head, fp32: the tied embedding (rescaled by d_model^-0.5 where the reference rescales
  // the decoder output; folding it into the weights changes only the last fp32 rounding) or
  // lm_head.weight.
  std::vector<float> head = config_.tie_word_embeddings ? shared : w.get("lm_head.weight", {config_.vocab_size, d});
  if (config_.scale_decoder_outputs) {
    const float scale = static_cast<float>(std::pow(static_cast<double>(d), -0.5));
    for (float& v : head) v *= scale;
  }
  lm_head_ = make_vocabulary_head(dev, head, config_.vocab_size, d, settings.vocabulary_rows);
  shared_ = dev.upload(std::move(shared));

  traits_.architecture = config_.architecture;
  traits_.family = "t5";
  traits_.max_sequence_length = kMaxT5Tokens;
  traits_.pad_token_id = 0;
  const bool selected = !settings.vocabulary_rows.empty();
  traits_.output = selected ? OutputKind::SelectedLogits : OutputKind::VocabularyLogits;
  traits_.outputs_per_sequence = selected ? settings.vocabulary_rows.size() : static_cast<std::size_t>(config_.vocab_size);
  traits_.precision = precision;
}

double T5Model::flops(std::size_t tokens) const {
  const double d = static_cast<double>(config_.d_model), inner = static_cast<double>(config_.inner_dim());
  const double ff = static_cast<double>(config_.d_ff) * (config_.gated ? 3.0 : 2.0);
  const double t = static_cast<double>(tokens);
  const double encoder =
      static_cast<double>(config_.num_layers) * (2 * (4 * d * inner + d * ff) * t + 4 * inner * t * t);
  // One decoder step: V and O, Q and O, K and V of every encoder token, the FF, the cross
  // products over t keys; then the head.
  const double decoder = static_cast<double>(config_.num_decoder_layers) *
                         (2 * (4 * d * inner + d * ff) + 2 * 2 * d * inner * t + 4 * inner * t);
  return encoder + decoder + 2 * d * static_cast<double>(traits_.outputs_per_sequence);
}

void T5Model::append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                               std::span<const std::int32_t>) const {
  append_token_sequence(batch, ids, config_.vocab_size, traits_.max_sequence_length);
}

T5Model::FeedForwardScratch T5Model::alloc_ff(engine::Session& s, std::int64_t rows) const {
  FeedForwardScratch f;
  f.normed = s.alloc(rows, config_.d_model);
  f.inner = s.alloc(rows, config_.d_ff);
  if (config_.gated) f.both = s.alloc(rows, 2 * config_.d_ff);
  return f;
}

void T5Model::run_ff(engine::Session& s, const FeedForward& ff, Matrix& x, FeedForwardScratch& f) const {
  s.convert(x, f.normed);
  s.rms_norm(f.normed, *ff.norm, static_cast<float>(config_.layer_norm_epsilon));
  if (config_.gated) {
    s.linear(f.normed, *ff.wi, f.both);
    s.gated_activation(f.both, f.inner, config_.dense_act);
  } else {
    s.linear(f.normed, *ff.wi, f.inner, {config_.dense_act, false});
  }
  s.linear(f.inner, *ff.wo, x, {engine::Activation::None, /*accumulate=*/true});
}

std::vector<float> T5Model::forward(engine::Session& s, const engine::PackedBatch& batch) const {
  const auto tokens = static_cast<std::int64_t>(batch.num_tokens());
  const auto sequences = static_cast<std::int64_t>(batch.num_sequences());
  if (sequences == 0) return {};
  const std::int64_t d = config_.d_model, inner = config_.inner_dim(), heads = config_.num_heads;
  const auto eps = static_cast<float>(config_.layer_norm_epsilon);
  s.begin();

  // The encoder's position bias, one row per relative position -D..D (D: the longest
  // sequence's last position), gathered from the bucket table by an embed.
  std::int64_t longest = 0;
  for (std::int64_t i = 0; i < sequences; ++i) longest = std::max<std::int64_t>(longest, batch.seq_starts[i + 1] - batch.seq_starts[i]);
  const std::int64_t max_distance = longest - 1;
  engine::PackedBatch buckets;
  for (std::int64_t rel = -max_distance; rel <= max_distance; ++rel) {
    buckets.input_ids.push_back(static_cast<std::int32_t>(t5_relative_position_bucket(
        rel, /*bidirectional=*/true, config_.relative_attention_num_buckets, config_.relative_attention_max_distance)));
    buckets.token_type_ids.push_back(0);
    buckets.position_ids.push_back(0);
  }
  buckets.seq_starts = {0, static_cast<std::int32_t>(buckets.input_ids.size())};
  Matrix bias = s.alloc(2 * max_distance + 1, heads);
  s.embed(buckets, *encoder_bias_, nullptr, nullptr, bias);
  engine::AttentionSpec self_spec;
  self_spec.heads = heads;
  self_spec.head_dim = config_.d_kv;
  self_spec.scale = 1.0f;  // T5 does not scale its scores
  self_spec.bias = {&bias, max_distance};
  self_spec.precision = traits_.precision;

  Matrix enc = s.alloc(tokens, d);
  s.embed(batch, *shared_, nullptr, nullptr, enc);
  Matrix normed = s.alloc(tokens, d);
  Matrix qkv = s.alloc(tokens, 3 * inner);
  Matrix context = s.alloc(tokens, inner);
  const engine::AttentionInputs self_in = engine::AttentionInputs::self(qkv, batch.seq_starts);
  FeedForwardScratch encoder_ff = alloc_ff(s, tokens);
  for (const EncoderLayer& l : encoder_) {
    s.convert(enc, normed);
    s.rms_norm(normed, *l.attention_norm, eps);
    s.linear(normed, *l.qkv, qkv);
    s.attention(self_in, self_spec, context);
    s.linear(context, *l.o, enc, {engine::Activation::None, /*accumulate=*/true});
    run_ff(s, l.ff, enc, encoder_ff);
  }
  s.rms_norm(enc, *encoder_norm_, eps);

  // One decoder step per sequence, from decoder_start_token_id.
  engine::PackedBatch start;
  std::vector<std::int32_t> step_starts;
  for (std::int64_t i = 0; i <= sequences; ++i) step_starts.push_back(static_cast<std::int32_t>(i));
  for (std::int64_t i = 0; i < sequences; ++i) {
    start.input_ids.push_back(config_.decoder_start_token_id);
    start.token_type_ids.push_back(0);
    start.position_ids.push_back(0);
  }
  start.seq_starts = step_starts;
  Matrix dec = s.alloc(sequences, d);
  s.embed(start, *shared_, nullptr, nullptr, dec);
  Matrix dec_normed = s.alloc(sequences, d);
  Matrix value = s.alloc(sequences, inner);
  Matrix query = s.alloc(sequences, inner);
  Matrix cross_context = s.alloc(sequences, inner);
  Matrix enc_kv = s.alloc(tokens, 2 * inner);
  engine::AttentionSpec cross_spec;
  cross_spec.heads = heads;
  cross_spec.head_dim = config_.d_kv;
  cross_spec.scale = 1.0f;
  cross_spec.precision = traits_.precision;
  FeedForwardScratch decoder_ff = alloc_ff(s, sequences);
  for (const DecoderLayer& l : decoder_) {
    // Self-attention over the one token so far: softmax of one score is 1, the output its value.
    s.convert(dec, dec_normed);
    s.rms_norm(dec_normed, *l.self_norm, eps);
    s.linear(dec_normed, *l.self_v, value);
    s.linear(value, *l.self_o, dec, {engine::Activation::None, true});
    s.convert(dec, dec_normed);
    s.rms_norm(dec_normed, *l.cross_norm, eps);
    s.linear(dec_normed, *l.cross_q, query);
    s.linear(enc, *l.cross_kv, enc_kv);
    s.attention(engine::AttentionInputs::cross(query, step_starts, enc_kv, batch.seq_starts), cross_spec,
                cross_context);
    s.linear(cross_context, *l.cross_o, dec, {engine::Activation::None, true});
    run_ff(s, l.ff, dec, decoder_ff);
  }
  s.rms_norm(dec, *decoder_norm_, eps);
  Matrix logits = s.alloc(sequences, static_cast<std::int64_t>(traits_.outputs_per_sequence));
  s.linear(dec, *lm_head_, logits);
  std::vector<float> out(static_cast<std::size_t>(logits.rows * logits.cols));
  s.to_host(logits, out.data());
  return out;
}

}  // namespace rerank::models
