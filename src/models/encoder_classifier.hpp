// The BERT family: BERT, RoBERTa/XLM-R/CamemBERT and ELECTRA encoders with a sequence-
// classification head, one implementation of models::Model. What differs between the
// architectures (tensor prefixes, how position ids are numbered, whether token types are
// used, the head) is data in an EncoderSpec, chosen by the loader a table row names.
//
// Immutable after load and shared by every worker; per-call state lives in engine::Session.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/device.hpp"
#include "models/architecture_table.hpp"
#include "models/checkpoint.hpp"
#include "models/encoder_config.hpp"
#include "models/layers.hpp"
#include "models/model.hpp"
#include "models/weight_source.hpp"

namespace rerank::models {

enum class PositionScheme {
  Absolute,       // BERT, ELECTRA: 0, 1, 2, ...
  PaddingOffset,  // RoBERTa, XLM-R: padding_idx + 1 + i for non-padding tokens, padding_idx for padding
};

struct EncoderSpec {
  std::string embeddings_prefix;   // "bert.embeddings"
  std::string embeddings_project;  // "electra.embeddings_project" (used when embedding_size != hidden_size)
  std::string layer_prefix;        // "bert.encoder.layer" (+ ".N")
  PositionScheme positions = PositionScheme::Absolute;
  bool token_types = true;         // false: the tokenizer's type ids are ignored (all zero)
  std::string head_dense;          // "bert.pooler.dense" or "classifier.dense"
  engine::Activation head_activation = engine::Activation::Tanh;
  std::string head_out;            // "classifier" or "classifier.out_proj"
};

class EncoderClassifier final : public Model {
 public:
  EncoderClassifier(EncoderConfig config, EncoderSpec spec, const WeightSource& weights,
                    std::shared_ptr<const engine::Device> device, engine::Precision precision);

  const EncoderConfig& config() const { return config_; }
  const EncoderSpec& spec() const { return spec_; }

  const ModelTraits& traits() const override { return traits_; }
  const engine::Device& device() const override { return *device_; }
  // Ids, type ids (zeros unless spec().token_types) and position ids.
  void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                       std::span<const std::int32_t> type_ids) const override;
  // Logits [sequences x num_labels], row-major.
  std::vector<float> forward(engine::Session& session, const engine::PackedBatch& batch) const override;
  double flops(std::size_t tokens) const override;

 private:
  EncoderConfig config_;
  EncoderSpec spec_;
  ModelTraits traits_;
  std::shared_ptr<const engine::Device> device_;
  Embeddings embeddings_;
  std::vector<EncoderLayer> layers_;
  ClassificationHead head_;
};

// The tensor layouts of the family's architectures.
EncoderSpec bert_spec();     // BERT: token types, absolute positions, pooler + classifier
EncoderSpec roberta_spec();  // RoBERTa, XLM-R, CamemBERT: padding-offset positions, no token types
EncoderSpec electra_spec();  // ELECTRA: embedding projection, GELU head

// The loader a table row names for a layout: parses the EncoderConfig from
// checkpoint.config and builds the model.
ModelLoader encoder_classifier_loader(EncoderSpec spec);

}  // namespace rerank::models
