// Qwen3's config.json in both transformers spellings (5.x rope_parameters, 4.x rope_theta +
// rope_scaling), its defaults, and typed refusals of what the model cannot run.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/qwen3_config.hpp"
#include "rerank/error.hpp"

namespace rerank::models {
namespace {

nlohmann::json base() {
  return {{"architectures", {"Qwen3ForCausalLM"}}, {"model_type", "qwen3"}, {"vocab_size", 1000},
          {"hidden_size", 64}, {"intermediate_size", 96}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
          {"num_key_value_heads", 2}, {"head_dim", 32}, {"rms_norm_eps", 1e-6}, {"tie_word_embeddings", true}};
}

ErrorCode code_of(const nlohmann::json& c) {
  try {
    parse_qwen3_config(c, "x/config.json");
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // accepted
}

TEST(Qwen3Config, BothRopeSpellingsAndDefaults) {
  nlohmann::json v5 = base();
  v5["rope_parameters"] = {{"rope_theta", 1000000.0}, {"rope_type", "default"}};
  const Qwen3Config a = parse_qwen3_config(v5, "x");
  EXPECT_EQ(a.rope_theta, 1e6);
  EXPECT_EQ(a.head_dim, 32);  // given: not hidden / heads (16)
  EXPECT_EQ(a.num_kv_heads, 2);
  EXPECT_TRUE(a.tie_word_embeddings);
  EXPECT_FALSE(a.sequence_classification);
  nlohmann::json v4 = base();
  v4.erase("head_dim");
  v4.erase("num_key_value_heads");
  v4["rope_theta"] = 5000.0;
  v4["rope_scaling"] = {{"type", "linear"}, {"factor", 4.0}};
  const Qwen3Config b = parse_qwen3_config(v4, "x");
  EXPECT_EQ(b.rope_theta, 5000.0);
  EXPECT_EQ(b.rope_linear_factor, 4.0);
  EXPECT_EQ(b.head_dim, 16);
  EXPECT_EQ(b.num_kv_heads, 4);
  nlohmann::json cls = base();
  cls["architectures"] = {"Qwen3ForSequenceClassification"};
  cls["num_labels"] = 1;
  const Qwen3Config c = parse_qwen3_config(cls, "x");
  EXPECT_TRUE(c.sequence_classification);
  EXPECT_EQ(c.num_labels, 1);
}

TEST(Qwen3Config, TypedRefusals) {
  nlohmann::json c = base();
  c["num_key_value_heads"] = 3;  // 4 heads cannot share 3 KV heads
  EXPECT_EQ(code_of(c), ErrorCode::ModelFormat);
  c = base();
  c["rope_parameters"] = {{"rope_theta", 1e6}, {"rope_type", "yarn"}};
  EXPECT_EQ(code_of(c), ErrorCode::NotSupported);
  c = base();
  c["hidden_act"] = "gelu";
  EXPECT_EQ(code_of(c), ErrorCode::NotSupported);
  c = base();
  c["layer_types"] = {"full_attention", "sliding_attention"};
  EXPECT_EQ(code_of(c), ErrorCode::NotSupported);
  c = base();
  c["use_sliding_window"] = true;  // 4.x spelling, no layer_types
  EXPECT_EQ(code_of(c), ErrorCode::NotSupported);
  c = base();
  c["hidden_size"] = "64";
  EXPECT_EQ(code_of(c), ErrorCode::ModelFormat);
  c = base();
  c["head_dim"] = 15;  // rotary pairs
  EXPECT_EQ(code_of(c), ErrorCode::ModelFormat);
  c = base();
  c.erase("head_dim");  // then hidden_size / heads, here 8 / 12 = 0 (found by the config fuzzer)
  c["hidden_size"] = 8;
  c["num_attention_heads"] = 12;
  c["num_key_value_heads"] = 12;
  EXPECT_EQ(code_of(c), ErrorCode::ModelFormat);
  c = base();
  c["rope_parameters"] = 7;
  EXPECT_EQ(code_of(c), ErrorCode::ModelFormat);
  c = base();
  c.erase("vocab_size");
  EXPECT_EQ(code_of(c), ErrorCode::ModelFormat);
  c = base();
  c["architectures"] = {"Qwen3ForSequenceClassification"};
  c["id2label"] = nlohmann::json::object();
  c["num_labels"] = 0;
  EXPECT_EQ(code_of(c), ErrorCode::ModelFormat);
}

}  // namespace
}  // namespace rerank::models
