// ElectraForSequenceClassification (ms-marco-electra): embeddings of embedding_size projected
// to hidden_size, token types, and a head of dense + GELU (erf) + out_proj on [CLS].
#include "models/encoder_classifier.hpp"

namespace rerank::models {

EncoderSpec electra_spec(const io::EncoderConfig&) {
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

}  // namespace rerank::models
