// Qwen3's typed config (Qwen3ForCausalLM: Qwen3-Reranker; Qwen3ForSequenceClassification: its
// -seq-cls conversions), validated once. transformers 5.x writes rope_parameters
// {rope_theta, rope_type}, 4.x rope_theta and rope_scaling: both parse.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace rerank::models {

struct Qwen3Config {
  std::string architecture;  // architectures[0], else model_type
  bool sequence_classification = false;  // Qwen3ForSequenceClassification: a `score` head
  std::int64_t num_labels = 0;           // its outputs (0 for the causal LM)
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_kv_heads = 0;  // grouped-query attention: heads share kv heads
  std::int64_t head_dim = 0;      // head_dim, else hidden_size / num_heads
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  double rope_linear_factor = 1.0;  // rope_type "linear": positions divided by factor
  bool attention_bias = false;      // q/k/v/o projections with biases
  bool tie_word_embeddings = false; // the LM head is embed_tokens
  std::int64_t max_position_embeddings = 0;
};

Qwen3Config parse_qwen3_config(const nlohmann::json& config, const std::string& where);

}  // namespace rerank::models
