// BertForSequenceClassification: token types, absolute positions, pooler (dense + tanh on
// [CLS]) and a linear classifier.
#include "models/encoder_classifier.hpp"

namespace rerank::models {

EncoderSpec bert_spec(const io::EncoderConfig&) {
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

}  // namespace rerank::models
