#include "models/encoder_config.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"

namespace rerank::models {
namespace {

nlohmann::json bert() {
  return {{"architectures", {"BertForSequenceClassification"}},
          {"model_type", "bert"},
          {"vocab_size", 100},
          {"hidden_size", 64},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4},
          {"intermediate_size", 256},
          {"max_position_embeddings", 512},
          {"type_vocab_size", 2},
          {"id2label", {{"0", "LABEL_0"}}}};
}

TEST(ModelConfig, ParsesBert) {
  const EncoderConfig c = parse_encoder_config(bert(), "cfg");
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.head_dim(), 16);
  EXPECT_EQ(c.embedding_size, 64);
  EXPECT_EQ(c.num_labels, 1u);
  EXPECT_EQ(c.hidden_act, "gelu");
}

TEST(ModelConfig, NumLabelsDefaultsToTwo) {
  auto j = bert();
  j.erase("id2label");
  EXPECT_EQ(parse_encoder_config(j, "cfg").num_labels, 2u);
}

TEST(ModelConfig, MissingKeyIsNamed) {
  for (const char* key : {"hidden_size", "num_hidden_layers", "vocab_size", "num_attention_heads",
                          "intermediate_size", "max_position_embeddings", "model_type"}) {
    auto j = bert();
    j.erase(key);
    try {
      parse_encoder_config(j, "cfg");
      ADD_FAILURE() << "no error without " << key;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::ModelFormat);
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

TEST(ModelConfig, RejectsInconsistentValues) {
  auto j = bert();
  j["num_attention_heads"] = 5;
  EXPECT_THROW(parse_encoder_config(j, "cfg"), Error);
  j = bert();
  j["hidden_size"] = "64";
  EXPECT_THROW(parse_encoder_config(j, "cfg"), Error);
  j = bert();
  j["hidden_act"] = "swiglu";
  try {
    parse_encoder_config(j, "cfg");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotSupported);
  }
  j = bert();
  j["position_embedding_type"] = "relative_key";
  EXPECT_THROW(parse_encoder_config(j, "cfg"), Error);
}

}  // namespace
}  // namespace rerank::models
