#include "models/encoder_classifier.hpp"

#include "rerank/error.hpp"

namespace rerank::models {

using engine::Matrix;

EncoderClassifier::EncoderClassifier(io::EncoderConfig config, EncoderSpec spec, const WeightSource& weights,
                                     std::shared_ptr<const engine::Device> device, engine::Precision precision)
    : config_(std::move(config)), spec_(std::move(spec)), device_(std::move(device)), precision_(precision) {
  // A checkpoint saved from the bare encoder class has no "bert."-style prefix.
  if (!weights.has(spec_.embeddings_prefix + ".word_embeddings.weight")) {
    const auto dot = spec_.embeddings_prefix.find('.');
    const std::string base = spec_.embeddings_prefix.substr(0, dot + 1);
    const std::string bare = spec_.embeddings_prefix.substr(dot + 1);
    if (weights.has(bare + ".word_embeddings.weight")) {
      auto strip = [&](std::string& s) {
        if (s.rfind(base, 0) == 0) s = s.substr(base.size());
      };
      strip(spec_.embeddings_prefix);
      strip(spec_.embeddings_project);
      strip(spec_.layer_prefix);
      strip(spec_.head_dense);
    }
  }
  embeddings_ = Embeddings::load(weights, *device_, spec_.embeddings_prefix, spec_.embeddings_project, config_);
  layers_.reserve(static_cast<std::size_t>(config_.num_hidden_layers));
  for (std::int64_t i = 0; i < config_.num_hidden_layers; ++i) {
    layers_.push_back(EncoderLayer::load(weights, *device_, spec_.layer_prefix + "." + std::to_string(i), config_,
                                         precision_));
  }
  head_ = ClassificationHead::load(weights, *device_, spec_.head_dense, spec_.head_activation, spec_.head_out, config_);
}

std::int64_t EncoderClassifier::max_sequence_length() const {
  if (spec_.positions == PositionScheme::PaddingOffset) {
    return std::max<std::int64_t>(0, config_.max_position_embeddings - config_.pad_token_id - 1);
  }
  return config_.max_position_embeddings;
}

void EncoderClassifier::append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                                        std::span<const std::int32_t> type_ids) const {
  if (ids.empty()) throw Error(ErrorCode::InvalidInput, "empty token sequence");
  if (static_cast<std::int64_t>(ids.size()) > max_sequence_length()) {
    throw Error(ErrorCode::InvalidInput, "sequence of " + std::to_string(ids.size()) + " tokens is longer than the " +
                                             std::to_string(max_sequence_length()) + " the model's positions allow");
  }
  if (batch.seq_starts.empty()) batch.seq_starts.push_back(0);
  const std::int32_t pad = static_cast<std::int32_t>(config_.pad_token_id);
  std::int32_t nonpad = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::int32_t id = ids[i];
    if (id < 0 || id >= config_.vocab_size) {
      throw Error(ErrorCode::InvalidInput, "token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                                               std::to_string(config_.vocab_size) +
                                               " (does the tokenizer belong to this model?)");
    }
    std::int32_t type = 0;
    if (spec_.token_types && i < type_ids.size()) {
      type = type_ids[i];
      if (type < 0 || type >= std::max<std::int64_t>(1, config_.type_vocab_size)) {
        throw Error(ErrorCode::InvalidInput, "token type id " + std::to_string(type) + " is outside the model's " +
                                                 std::to_string(config_.type_vocab_size) + " types");
      }
    }
    std::int32_t position;
    if (spec_.positions == PositionScheme::PaddingOffset) {
      // transformers' create_position_ids_from_input_ids: cumsum of the non-padding mask.
      if (id != pad) ++nonpad;
      position = id != pad ? pad + nonpad : pad;
    } else {
      position = static_cast<std::int32_t>(i);
    }
    batch.input_ids.push_back(id);
    batch.token_type_ids.push_back(type);
    batch.position_ids.push_back(position);
  }
  batch.seq_starts.push_back(static_cast<std::int32_t>(batch.input_ids.size()));
}

std::vector<float> EncoderClassifier::forward(engine::Session& s, const engine::PackedBatch& batch) const {
  const auto tokens = static_cast<std::int64_t>(batch.num_tokens());
  const auto sequences = static_cast<std::int64_t>(batch.num_sequences());
  if (sequences == 0) return {};
  s.begin();
  Matrix hidden = s.alloc(tokens, config_.hidden_size);
  embeddings_.forward(s, batch, hidden);
  // Read only by the layers' GEMMs and attention, so a backend may keep them at the GEMMs'
  // precision; the residual stream (hidden) stays fp32.
  EncoderLayer::Scratch scratch{s.alloc_scratch(tokens, 3 * config_.hidden_size, precision_),
                                s.alloc_scratch(tokens, config_.hidden_size, precision_),
                                s.alloc_scratch(tokens, config_.intermediate_size, precision_)};
  for (const EncoderLayer& layer : layers_) layer.forward(s, batch, hidden, scratch);
  Matrix cls = s.alloc(sequences, config_.hidden_size);
  s.gather_rows(hidden, std::span<const std::int32_t>(batch.seq_starts.data(), static_cast<std::size_t>(sequences)),
                cls);
  const Matrix logits = head_.forward(s, cls);
  std::vector<float> out(static_cast<std::size_t>(logits.rows * logits.cols));
  s.to_host(logits, out.data());
  return out;
}

}  // namespace rerank::models
