// T5 encoder-decoders as rerankers score them (T5ForConditionalGeneration, MT5...: monoT5,
// InRanker, RankT5, flan-T5), one implementation of models::Model, written from
// transformers' modeling_t5.py: the encoder (pre-norm RMS layers, self-attention with
// bidirectional relative-position buckets shared by every layer, ReLU or gated-GELU
// feed-forward), then one decoder step from decoder_start_token_id (its self-attention over
// that one token is its value projection; cross-attention to the encoder), the final norm,
// the d_model^-0.5 rescale where the config asks for it, and the LM head. forward() returns
// the vocabulary logits of that step, one row per sequence.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/device.hpp"
#include "models/architecture_table.hpp"
#include "models/model.hpp"
#include "models/t5_config.hpp"
#include "models/weight_source.hpp"

namespace rerank::models {

class T5Model final : public Model {
 public:
  T5Model(T5Config config, const WeightSource& weights, std::shared_ptr<const engine::Device> device,
          const LoadSettings& settings);

  const T5Config& config() const { return config_; }
  const ModelTraits& traits() const override { return traits_; }
  const engine::Device& device() const override { return *device_; }
  void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                       std::span<const std::int32_t> type_ids) const override;
  // [sequences x vocab_size] (or the selected rows): the logits of the first decoder step.
  std::vector<float> forward(engine::Session& session, const engine::PackedBatch& batch) const override;
  double flops(std::size_t tokens) const override;

 private:
  struct FeedForward {
    std::unique_ptr<engine::DeviceBuffer> norm;
    std::unique_ptr<engine::LinearWeights> wi;  // [d_ff x d] (ReLU) or [2 d_ff x d] = wi_0 | wi_1 (gated)
    std::unique_ptr<engine::LinearWeights> wo;
  };
  struct EncoderLayer {
    std::unique_ptr<engine::DeviceBuffer> attention_norm;
    std::unique_ptr<engine::LinearWeights> qkv, o;
    FeedForward ff;
  };
  struct DecoderLayer {
    std::unique_ptr<engine::DeviceBuffer> self_norm;
    std::unique_ptr<engine::LinearWeights> self_v, self_o;  // one step: attention output = V
    std::unique_ptr<engine::DeviceBuffer> cross_norm;
    std::unique_ptr<engine::LinearWeights> cross_q, cross_kv, cross_o;
    FeedForward ff;
  };

  FeedForward load_ff(const WeightSource& w, const std::string& prefix, engine::Precision precision) const;
  // A feed-forward's scratch for `rows` rows, allocated once per pass and reused by every layer.
  struct FeedForwardScratch {
    engine::Matrix normed, inner, both;
  };
  FeedForwardScratch alloc_ff(engine::Session& s, std::int64_t rows) const;
  // x += FF(RMSNorm(x)).
  void run_ff(engine::Session& s, const FeedForward& ff, engine::Matrix& x, FeedForwardScratch& scratch) const;

  T5Config config_;
  ModelTraits traits_;
  std::shared_ptr<const engine::Device> device_;
  std::unique_ptr<engine::DeviceBuffer> shared_;  // token embeddings [vocab x d_model]
  std::unique_ptr<engine::DeviceBuffer> encoder_bias_;  // relative_attention_bias [buckets x heads]
  std::vector<EncoderLayer> encoder_;
  std::unique_ptr<engine::DeviceBuffer> encoder_norm_;
  std::vector<DecoderLayer> decoder_;
  std::unique_ptr<engine::DeviceBuffer> decoder_norm_;
  std::unique_ptr<engine::LinearWeights> lm_head_;  // with the d_model^-0.5 rescale folded in where it applies
};

ModelLoader t5_model_loader();

}  // namespace rerank::models
