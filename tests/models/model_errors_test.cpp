// Broken checkpoints and bad token input: clear typed errors naming what is wrong.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

namespace fs = std::filesystem;
using rerank::testing::TempDir;

std::shared_ptr<const engine::Device> cpu() { return engine::make_device({"cpu", 1}); }

// A writable copy of a fixture folder whose config.json `patch` may edit.
void copy_fixture(const fs::path& from, const fs::path& to, const std::function<void(nlohmann::json&)>& patch = {}) {
  for (const char* f : {"model.safetensors", "tokenizer.json", "tokenizer_config.json"}) fs::copy_file(from / f, to / f);
  std::ifstream in(from / "config.json");
  nlohmann::json cfg = nlohmann::json::parse(in);
  if (patch) patch(cfg);
  rerank::testing::write_file(to / "config.json", cfg.dump(2));
}

std::pair<ErrorCode, std::string> load_error(const fs::path& dir) {
  try {
    load_model(dir, cpu(), engine::Precision::F32);
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {ErrorCode::Internal, "no error"};
}

TEST(ModelErrors, MissingConfigKeyIsNamed) {
  RERANK_REQUIRE_SHARED(src, "reference/bert-ce");
  TempDir dir;
  copy_fixture(src, dir.path(), [](nlohmann::json& c) { c.erase("num_attention_heads"); });
  const auto [code, msg] = load_error(dir.path());
  EXPECT_EQ(code, ErrorCode::ModelFormat);
  EXPECT_NE(msg.find("num_attention_heads"), std::string::npos) << msg;
}

TEST(ModelErrors, UnknownArchitectureIsNotSupported) {
  RERANK_REQUIRE_SHARED(src, "reference/bert-ce");
  TempDir dir;
  copy_fixture(src, dir.path(), [](nlohmann::json& c) { c["architectures"] = {"FancyNetForSequenceClassification"}; });
  const auto [code, msg] = load_error(dir.path());
  EXPECT_EQ(code, ErrorCode::NotSupported);
  EXPECT_NE(msg.find("FancyNet"), std::string::npos) << msg;
  EXPECT_NE(msg.find("BertForSequenceClassification"), std::string::npos) << msg;
}

TEST(ModelErrors, ShapeMismatchNamesTheTensor) {
  RERANK_REQUIRE_SHARED(src, "reference/bert-ce");
  TempDir dir;
  copy_fixture(src, dir.path(), [](nlohmann::json& c) { c["intermediate_size"] = 128; });
  const auto [code, msg] = load_error(dir.path());
  EXPECT_EQ(code, ErrorCode::ModelFormat);
  EXPECT_NE(msg.find("bert.encoder.layer.0.intermediate.dense.weight"), std::string::npos) << msg;
}

TEST(ModelErrors, LabelCountMustMatchTheClassifier) {
  RERANK_REQUIRE_SHARED(src, "reference/bert-ce");
  TempDir dir;
  copy_fixture(src, dir.path(), [](nlohmann::json& c) { c.erase("id2label"); });  // 2 labels by default, head has 1
  const auto [code, msg] = load_error(dir.path());
  EXPECT_EQ(code, ErrorCode::ModelFormat);
  EXPECT_NE(msg.find("classifier.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("label"), std::string::npos) << msg;
}

TEST(ModelErrors, TruncatedWeightsNameATensor) {
  RERANK_REQUIRE_SHARED(src, "reference/xlmr-ce");
  TempDir dir;
  copy_fixture(src, dir.path());
  fs::resize_file(dir / "model.safetensors", fs::file_size(dir / "model.safetensors") / 2);
  const auto [code, msg] = load_error(dir.path());
  EXPECT_EQ(code, ErrorCode::ModelFormat);
  EXPECT_NE(msg.find("tensor '"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(ModelErrors, BadTokenIdsAreInvalidInput) {
  RERANK_REQUIRE_SHARED(src, "reference/bert-ce");
  auto model = load_model(src, cpu(), engine::Precision::F32);
  engine::PackedBatch b;
  const std::vector<std::int32_t> bad_id = {101, 8000, 102};
  try {
    model->append_sequence(b, bad_id, {});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
  }
  const std::vector<std::int32_t> too_long(513, 5);
  EXPECT_THROW(model->append_sequence(b, too_long, {}), Error);
  const std::vector<std::int32_t> ok = {101, 5, 102};
  const std::vector<std::int32_t> bad_type = {0, 2, 0};
  EXPECT_THROW(model->append_sequence(b, ok, bad_type), Error);
}

// The runtime packs the next sequence into the same batch after a refused one, so a refusal
// must leave the batch exactly as it was.
TEST(ModelErrors, ARefusedSequenceLeavesTheBatchUnchanged) {
  RERANK_REQUIRE_SHARED(src, "reference/bert-ce");
  auto model = load_model(src, cpu(), engine::Precision::F32);
  for (const bool first : {true, false}) {
    engine::PackedBatch b;
    if (!first) model->append_sequence(b, std::vector<std::int32_t>{101, 7, 102}, {});
    const engine::PackedBatch before = b;
    EXPECT_THROW(model->append_sequence(b, std::vector<std::int32_t>{101, 5, 8000, 102}, {}), Error);
    EXPECT_THROW(model->append_sequence(b, std::vector<std::int32_t>{101, 5, 102}, std::vector<std::int32_t>{0, 2, 0}),
                 Error);
    EXPECT_EQ(b.input_ids, before.input_ids);
    EXPECT_EQ(b.token_type_ids, before.token_type_ids);
    EXPECT_EQ(b.position_ids, before.position_ids);
    EXPECT_EQ(b.seq_starts, before.seq_starts);
  }
}

TEST(ModelErrors, RobertaPositionsSkipPadding) {
  RERANK_REQUIRE_SHARED(src, "reference/xlmr-ce");
  auto model = load_model(src, cpu(), engine::Precision::F32);
  engine::PackedBatch b;
  const std::vector<std::int32_t> ids = {0, 5, 1, 6, 2};  // pad id 1 in the middle
  model->append_sequence(b, ids, {});
  EXPECT_EQ(b.position_ids, (std::vector<std::int32_t>{2, 3, 1, 4, 5}));
  EXPECT_EQ(model->max_sequence_length(), 512);
}

}  // namespace
}  // namespace rerank::models
