// RobertaForSequenceClassification / XLMRobertaForSequenceClassification (bge-reranker,
// jina, gte-multilingual): position ids start at padding_idx + 1, no segment ids, and the
// head is dense + tanh + out_proj on <s>.
#include "models/encoder_classifier.hpp"

namespace rerank::models {

EncoderSpec roberta_spec(const io::EncoderConfig&) {
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

}  // namespace rerank::models
