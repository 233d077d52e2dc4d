// T5's typed config (T5ForConditionalGeneration / MT5ForConditionalGeneration: monoT5,
// InRanker, RankT5, flan-T5), validated once. transformers 4.x derives the feed-forward from
// feed_forward_proj ("relu", "gated-gelu") and rescales tied heads by d_model^-0.5; 5.x also
// writes dense_act_fn, is_gated_act and scale_decoder_outputs. Both spellings parse.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/types.hpp"

namespace rerank::models {

struct T5Config {
  std::string architecture;  // architectures[0], else model_type (what errors and traits name)
  std::int64_t vocab_size = 0;
  std::int64_t d_model = 0;
  std::int64_t d_kv = 0;  // per head; heads * d_kv may differ from d_model
  std::int64_t d_ff = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_decoder_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t relative_attention_num_buckets = 32;
  std::int64_t relative_attention_max_distance = 128;
  double layer_norm_epsilon = 1e-6;
  engine::Activation dense_act = engine::Activation::Relu;
  bool gated = false;                // gated-GELU (v1.1, flan, mT5): act(wi_0 x) * wi_1 x
  bool tie_word_embeddings = true;   // the LM head is the shared embedding
  bool scale_decoder_outputs = true; // decoder output * d_model^-0.5 before the head
  std::int32_t decoder_start_token_id = 0;

  std::int64_t inner_dim() const { return num_heads * d_kv; }
};

T5Config parse_t5_config(const nlohmann::json& config, const std::string& where);

// transformers' T5Attention._relative_position_bucket for one relative position
// (key position - query position), with its fp32 logarithm.
std::int64_t t5_relative_position_bucket(std::int64_t relative_position, bool bidirectional,
                                         std::int64_t num_buckets, std::int64_t max_distance);

}  // namespace rerank::models
