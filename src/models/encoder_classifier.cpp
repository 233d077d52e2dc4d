#include "models/encoder_classifier.hpp"

#include "rerank/error.hpp"

namespace rerank::models {

using engine::Matrix;

// BertForSequenceClassification: token types, absolute positions, pooler (dense + tanh on
// [CLS]) and a linear classifier.
EncoderSpec bert_spec() {
  EncoderSpec s;
  s.embeddings_prefix = "bert.embeddings";
  s.layer_prefix = "bert.encoder.layer";
  s.positions = PositionScheme::Absolute;
  s.token_types = true;
  s.head_dense = "bert.pooler.dense";
  s.head_activation = engine::Activation::Tanh;
  s.head_out = "classifier";
  return s;
}

// RoBERTa, XLM-R, CamemBERT: positions offset by padding_idx + 1, no token types, and a
// classification head of dense + tanh + out_proj on <s>.
EncoderSpec roberta_spec() {
  EncoderSpec s;
  s.embeddings_prefix = "roberta.embeddings";
  s.layer_prefix = "roberta.encoder.layer";
  s.positions = PositionScheme::PaddingOffset;
  s.token_types = false;
  s.head_dense = "classifier.dense";
  s.head_activation = engine::Activation::Tanh;
  s.head_out = "classifier.out_proj";
  return s;
}

// ELECTRA: an optional embedding projection, and a head of dense + GELU + out_proj.
EncoderSpec electra_spec() {
  EncoderSpec s;
  s.embeddings_prefix = "electra.embeddings";
  s.embeddings_project = "electra.embeddings_project";
  s.layer_prefix = "electra.encoder.layer";
  s.positions = PositionScheme::Absolute;
  s.token_types = true;
  s.head_dense = "classifier.dense";
  s.head_activation = engine::Activation::GeluErf;
  s.head_out = "classifier.out_proj";
  return s;
}

ModelLoader encoder_classifier_loader(EncoderSpec spec) {
  return [spec = std::move(spec)](const CheckpointInfo& checkpoint, const WeightSource& weights,
                                  std::shared_ptr<const engine::Device> device, const LoadSettings& settings) {
    return std::make_shared<const EncoderClassifier>(parse_encoder_config(checkpoint.config, checkpoint.where), spec,
                                                     weights, std::move(device), settings.precision);
  };
}

EncoderClassifier::EncoderClassifier(EncoderConfig config, EncoderSpec spec, const WeightSource& weights,
                                     std::shared_ptr<const engine::Device> device, engine::Precision precision)
    : config_(std::move(config)), spec_(std::move(spec)), device_(std::move(device)) {
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
    // The head reads the first token of each sequence alone, so the last layer runs for
    // those tokens only (EncoderLayer::forward_first_tokens).
    const bool last = i + 1 == config_.num_hidden_layers;
    layers_.push_back(EncoderLayer::load(weights, *device_, spec_.layer_prefix + "." + std::to_string(i), config_,
                                         precision, /*first_tokens_only=*/last));
  }
  head_ = ClassificationHead::load(weights, *device_, spec_.head_dense, spec_.head_activation, spec_.head_out, config_);

  traits_.architecture = config_.architecture.empty() ? config_.model_type : config_.architecture;
  traits_.family = "bert";
  traits_.max_sequence_length =
      spec_.positions == PositionScheme::PaddingOffset
          ? std::max<std::int64_t>(0, config_.max_position_embeddings - config_.pad_token_id - 1)
          : config_.max_position_embeddings;
  traits_.pad_token_id = static_cast<std::int32_t>(config_.pad_token_id);
  traits_.output = OutputKind::SequenceLogits;
  traits_.outputs_per_sequence = config_.num_labels;
  traits_.precision = precision;
}

double EncoderClassifier::flops(std::size_t tokens) const {
  // The work done, multiply-add = 2: per full layer peer_bench.py's count, the Q, K, V and
  // output projections (4 h^2) and the FFN (2 h i) per token and Q K^T plus attention x V
  // (2 t^2 h) per sequence; the last layer only K and V (2 h^2) per token, the rest for the
  // first token (attention: one query). The embeddings and the head are negligible. (Peers
  // run the last layer for every token: compare them by pairs/s, not by this count.)
  const double h = static_cast<double>(config_.hidden_size);
  const double inter = static_cast<double>(config_.intermediate_size);
  const double full_layers = static_cast<double>(config_.num_hidden_layers - 1);
  const double t = static_cast<double>(tokens);
  const double full = 2 * full_layers * (4 * h * h + 2 * h * inter) * t + 4 * full_layers * h * t * t;
  const double last = 2 * (2 * h * h) * t + 2 * (2 * h * h + 2 * h * inter) + 4 * h * t;
  return full + last;
}

void EncoderClassifier::append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                                        std::span<const std::int32_t> type_ids) const {
  if (ids.empty()) throw Error(ErrorCode::InvalidInput, "empty token sequence");
  if (static_cast<std::int64_t>(ids.size()) > traits_.max_sequence_length) {
    throw Error(ErrorCode::InvalidInput, "sequence of " + std::to_string(ids.size()) + " tokens is longer than the " +
                                             std::to_string(traits_.max_sequence_length) + " the model's positions allow");
  }
  // A refused sequence leaves the batch as it was (the Model contract): undo what was appended.
  const std::size_t tokens_before = batch.input_ids.size();
  const bool first_sequence = batch.seq_starts.empty();
  auto refuse = [&](const std::string& message) {
    batch.input_ids.resize(tokens_before);
    batch.token_type_ids.resize(tokens_before);
    batch.position_ids.resize(tokens_before);
    if (first_sequence) batch.seq_starts.clear();
    throw Error(ErrorCode::InvalidInput, message);
  };
  if (first_sequence) batch.seq_starts.push_back(0);
  const std::int32_t pad = static_cast<std::int32_t>(config_.pad_token_id);
  std::int32_t nonpad = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::int32_t id = ids[i];
    if (id < 0 || id >= config_.vocab_size) {
      refuse("token id " + std::to_string(id) + " is outside the model's vocabulary of " +
             std::to_string(config_.vocab_size) + " (does the tokenizer belong to this model?)");
    }
    std::int32_t type = 0;
    if (spec_.token_types && i < type_ids.size()) {
      type = type_ids[i];
      if (type < 0 || type >= std::max<std::int64_t>(1, config_.type_vocab_size)) {
        refuse("token type id " + std::to_string(type) + " is outside the model's " +
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
  // Read only by the layers' GEMMs and attention, so a backend may keep them at the GEMMs'
  // precision; the residual stream (hidden) stays fp32, and the GEMMs read a copy of it when
  // the backend wants one.
  EncoderLayer::Scratch scratch{s.alloc_scratch(tokens, 3 * config_.hidden_size, traits_.precision),
                                s.alloc_scratch(tokens, config_.hidden_size, traits_.precision),
                                s.alloc_scratch(tokens, config_.intermediate_size, traits_.precision),
                                s.alloc_input_copy(tokens, config_.hidden_size, traits_.precision)};
  embeddings_.forward(s, batch, hidden, scratch.hidden_copy ? &*scratch.hidden_copy : nullptr);
  // config.json has at least one layer (parse_encoder_config); the last one yields the
  // first tokens' rows the head reads.
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i) layers_[i].forward(s, batch, hidden, scratch);
  const Matrix cls = layers_.back().forward_first_tokens(s, batch, hidden, scratch);
  const Matrix logits = head_.forward(s, cls);
  std::vector<float> out(static_cast<std::size_t>(logits.rows * logits.cols));
  s.to_host(logits, out.data());
  return out;
}

}  // namespace rerank::models
