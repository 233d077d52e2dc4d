// A BERT-family encoder with a sequence-classification head: the one implementation every
// supported architecture runs. What differs between architectures (tensor prefixes, how
// position ids are numbered, whether token types are used, the head) is data in an
// EncoderSpec, produced by one small file per architecture (bert.cpp, roberta.cpp, electra.cpp).
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
#include "io/model_config.hpp"
#include "models/layers.hpp"
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

class EncoderClassifier {
 public:
  EncoderClassifier(io::EncoderConfig config, EncoderSpec spec, const WeightSource& weights,
                    std::shared_ptr<const engine::Device> device, engine::Precision precision);

  const io::EncoderConfig& config() const { return config_; }
  const EncoderSpec& spec() const { return spec_; }
  std::size_t num_labels() const { return config_.num_labels; }
  engine::Precision precision() const { return precision_; }
  const engine::Device& device() const { return *device_; }
  // The longest sequence the position table allows.
  std::int64_t max_sequence_length() const;

  // Appends one sequence to `batch`: ids, type ids (zeros unless spec().token_types) and
  // position ids. Error(InvalidInput) for an id outside the vocabulary or a sequence longer
  // than max_sequence_length().
  void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                       std::span<const std::int32_t> type_ids) const;

  // Logits [sequences x num_labels], row-major.
  std::vector<float> forward(engine::Session& session, const engine::PackedBatch& batch) const;

 private:
  io::EncoderConfig config_;
  EncoderSpec spec_;
  std::shared_ptr<const engine::Device> device_;
  engine::Precision precision_;
  Embeddings embeddings_;
  std::vector<EncoderLayer> layers_;
  ClassificationHead head_;
};

// The spec for a config's architecture (architectures[0], else model_type); Error(NotSupported)
// naming the supported ones otherwise. Defined by the registry in model_registry.cpp.
EncoderSpec encoder_spec_for(const io::EncoderConfig& config);
std::vector<std::string> supported_encoder_architectures();
// Every architecture the table assigns to `ranker_type` ("cross-encoder", "t5"), implemented
// or planned: what the ranker registry lists and accepts.
std::vector<std::string> architectures_of_ranker_type(std::string_view ranker_type);
// The architecture whose model_type is `model_type` (shape models are described by it);
// Error(NotFound) otherwise.
std::string architecture_of_model_type(std::string_view model_type);

// config.json + model.safetensors (or shards) of DIR on `device`. Errors name the file,
// key or tensor at fault (ModelFormat), or the unsupported architecture (NotSupported).
std::unique_ptr<EncoderClassifier> load_encoder_classifier(const std::filesystem::path& dir,
                                                           std::shared_ptr<const engine::Device> device,
                                                           engine::Precision precision);

// Architecture files.
EncoderSpec bert_spec(const io::EncoderConfig& config);
EncoderSpec roberta_spec(const io::EncoderConfig& config);
EncoderSpec electra_spec(const io::EncoderConfig& config);

}  // namespace rerank::models
