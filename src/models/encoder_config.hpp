// The BERT family's typed config (BERT, RoBERTa/XLM-R, ELECTRA): config.json, parsed once
// by spec resolution, validated here once: every key the forward pass needs must be present
// and sane, or loading fails with Error(ModelFormat) naming the key. The family owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace rerank::models {

struct EncoderConfig {
  std::string architecture;  // config.json architectures[0] (models/architecture_table.cpp names them)
  std::string model_type;    // "bert", "xlm-roberta", "roberta", "electra", "camembert"
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t max_position_embeddings = 0;
  std::int64_t type_vocab_size = 0;
  std::int64_t embedding_size = 0;  // ELECTRA may differ from hidden_size; else == hidden_size
  std::int64_t pad_token_id = 0;
  double layer_norm_eps = 1e-12;
  std::string hidden_act = "gelu";  // gelu | gelu_new | gelu_pytorch_tanh | gelu_fast | relu
  std::size_t num_labels = 2;       // num_labels_of(config): models/checkpoint.hpp

  std::int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

// Validates and extracts. `where` names the source in messages (a path or "shape:NAME").
EncoderConfig parse_encoder_config(const nlohmann::json& config, const std::string& where);

}  // namespace rerank::models
