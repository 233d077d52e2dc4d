// ModernBERT cross-encoders, one implementation of models::Model, written from transformers'
// modeling_modernbert.py: token embeddings + LayerNorm, pre-norm layers (the first without an
// attention norm) of fused Wqkv attention with rotary positions, global or symmetric
// sliding-window by layer, and a GeGLU MLP; a final norm; CLS or mean pooling; then a head
// of dense and LayerNorm steps, as the checkpoint has it: ModernBertForSequenceClassification's
// (head.dense, activation, head.norm, classifier: gte-reranker-modernbert-base) or a
// sentence-transformers modular CrossEncoder's over a bare ModernBertModel (Pooling, Dense,
// LayerNorm, Dense: the Ettin rerankers).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/device.hpp"
#include "models/architecture_table.hpp"
#include "models/layers.hpp"
#include "models/model.hpp"
#include "models/modernbert_config.hpp"
#include "models/sentence_transformers_head.hpp"
#include "models/weight_source.hpp"

namespace rerank::models {

class ModernBertClassifier final : public Model {
 public:
  // `modular`: the sentence-transformers head read from the checkpoint's modules.json, for a
  // bare ModernBertModel; nullopt: ModernBertForSequenceClassification's own head.
  ModernBertClassifier(ModernBertConfig config, const WeightSource& weights, std::optional<ModularHead> modular,
                       std::shared_ptr<const engine::Device> device, engine::Precision precision);

  const ModelTraits& traits() const override { return traits_; }
  const engine::Device& device() const override { return *device_; }
  // Ids only (ModernBERT has no token types); positions 0, 1, ... per sequence.
  void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                       std::span<const std::int32_t> type_ids) const override;
  // Logits [sequences x num_labels].
  std::vector<float> forward(engine::Session& session, const engine::PackedBatch& batch) const override;
  // The projections, and the attention products over the keys each layer lets a query see
  // (the window's FLOPs, not t^2, on sliding layers).
  double flops(std::size_t tokens) const override;

 private:
  struct Layer {
    std::unique_ptr<LayerNorm> attn_norm;  // none on layer 0
    std::unique_ptr<engine::LinearWeights> wqkv, wo;
    LayerNorm mlp_norm;
    std::unique_ptr<engine::LinearWeights> wi, mlp_wo;
    engine::AttentionSpec attention;
  };
  // One step of the head after pooling: a linear layer (with its activation) or a LayerNorm.
  struct HeadStep {
    std::unique_ptr<engine::LinearWeights> linear;
    engine::Activation activation = engine::Activation::None;
    std::unique_ptr<LayerNorm> norm;
  };

  ModernBertConfig config_;
  ModelTraits traits_;
  std::shared_ptr<const engine::Device> device_;
  std::unique_ptr<engine::DeviceBuffer> tok_embeddings_;
  LayerNorm embeddings_norm_;
  std::vector<Layer> layers_;
  LayerNorm final_norm_;
  bool mean_pooling_ = false;
  std::vector<HeadStep> head_;
};

// Where a ModernBERT checkpoint keeps its head: transformers' sequence-classification head
// (head.*, classifier.*) or, over a bare encoder, sentence-transformers modules
// (modules.json; Error(ModelFormat) when it has none). The table row says which.
enum class ModernBertHeadLayout { Transformers, SentenceTransformers };

ModelLoader modernbert_classifier_loader(ModernBertHeadLayout layout);

}  // namespace rerank::models
