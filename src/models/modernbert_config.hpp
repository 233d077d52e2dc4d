// ModernBERT's typed config (ModernBertForSequenceClassification: gte-reranker-modernbert-base,
// the Ettin rerankers), validated once: every key the forward pass needs, in either spelling
// transformers has written it (4.x: global_attn_every_n_layers, local_attention,
// global_rope_theta, local_rope_theta; 5.x: layer_types, rope_parameters per layer type).
// Missing or inconsistent keys are Error(ModelFormat) naming the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/types.hpp"

namespace rerank::models {

struct ModernBertConfig {
  std::string architecture;  // architectures[0], else model_type (what errors and traits name)
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t intermediate_size = 0;  // the GLU's width: Wi is [2 * intermediate x hidden]
  std::int64_t max_position_embeddings = 0;
  std::int64_t pad_token_id = 0;
  double norm_eps = 1e-5;
  bool norm_bias = false, attention_bias = false, mlp_bias = false, classifier_bias = false;
  engine::Activation hidden_activation = engine::Activation::GeluErf;
  engine::Activation classifier_activation = engine::Activation::GeluErf;
  bool mean_pooling = false;  // classifier_pooling "mean" (else "cls")
  std::int64_t local_attention = 128;  // a sliding layer sees keys within local_attention / 2
  std::vector<bool> sliding;           // per layer: sliding-window (true) or global attention
  float global_rope_theta = 160000.0f, local_rope_theta = 10000.0f;
  std::size_t num_labels = 1;

  std::int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

// `where` names the source in messages (a path or "shape:NAME").
ModernBertConfig parse_modernbert_config(const nlohmann::json& config, const std::string& where);

}  // namespace rerank::models
