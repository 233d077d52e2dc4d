// The model seam, demonstrated: a made-up architecture added as one row of a test-only
// architecture table, with its model written here, loads a checkpoint this test writes
// through spec resolution, `--type` and `rerank models`, touching no other file.
#include <cmath>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/architecture_table.hpp"
#include "models/model.hpp"
#include "rankers/builtin.hpp"
#include "rankers/model_listing.hpp"
#include "rankers/spec_resolver.hpp"
#include "rerank/error.hpp"
#include "runtime/load.hpp"
#include "support/safetensors_writer.hpp"
#include "support/test_support.hpp"
#include "support/toy_wordpiece.hpp"

namespace rerank {
namespace {

constexpr const char* kArchitecture = "ToyCounterForSequenceClassification";

// One logit per sequence: `weight` (the checkpoint's toy.weight) times the number of ids
// equal to config.json's `counted_id`: an exact score the test can predict.
class ToyCounter final : public models::Model {
 public:
  ToyCounter(float weight, std::int32_t counted_id, std::int64_t max_positions,
             std::shared_ptr<const engine::Device> device)
      : weight_(weight), counted_id_(counted_id), device_(std::move(device)) {
    traits_.architecture = kArchitecture;
    traits_.family = "toy";
    traits_.max_sequence_length = max_positions;
    traits_.outputs_per_sequence = 1;
  }
  const models::ModelTraits& traits() const override { return traits_; }
  const engine::Device& device() const override { return *device_; }
  void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                       std::span<const std::int32_t>) const override {
    if (static_cast<std::int64_t>(ids.size()) > traits_.max_sequence_length) {
      throw Error(ErrorCode::InvalidInput, "too long");
    }
    if (batch.seq_starts.empty()) batch.seq_starts.push_back(0);
    for (const std::int32_t id : ids) {
      batch.input_ids.push_back(id);
      batch.token_type_ids.push_back(0);
      batch.position_ids.push_back(0);
    }
    batch.seq_starts.push_back(static_cast<std::int32_t>(batch.input_ids.size()));
  }
  std::vector<float> forward(engine::Session&, const engine::PackedBatch& batch) const override {
    std::vector<float> out;
    for (std::size_t s = 0; s + 1 < batch.seq_starts.size(); ++s) {
      float count = 0;
      for (auto t = batch.seq_starts[s]; t < batch.seq_starts[s + 1]; ++t) {
        count += batch.input_ids[static_cast<std::size_t>(t)] == counted_id_ ? 1.0f : 0.0f;
      }
      out.push_back(weight_ * count);
    }
    return out;
  }
  double flops(std::size_t tokens) const override { return static_cast<double>(tokens); }

 private:
  float weight_;
  std::int32_t counted_id_;
  std::shared_ptr<const engine::Device> device_;
  models::ModelTraits traits_;
};

// The built-in rows plus the toy row: what architecture_table.cpp would gain.
std::shared_ptr<const models::ArchitectureTable> table_with_toy_row() {
  auto table = std::make_shared<models::ArchitectureTable>(models::architecture_table());
  models::ArchitectureRow row;
  row.architecture = kArchitecture;
  row.model_type = "toy-counter";
  row.family = "toy";
  row.ranker_type = "cross-encoder";
  row.precisions = {engine::Precision::F32};
  row.devices = {"cpu"};
  row.load = [](const models::CheckpointInfo& checkpoint, const models::WeightSource& weights,
                std::shared_ptr<const engine::Device> device, const models::LoadSettings&) {
    const float weight = weights.get("toy.weight", {1}).at(0);
    return std::make_shared<const ToyCounter>(weight, checkpoint.config.at("counted_id").get<std::int32_t>(),
                                              checkpoint.config.at("max_positions").get<std::int64_t>(),
                                              std::move(device));
  };
  table->add(std::move(row));
  return table;
}

// A checkpoint of the toy architecture: config.json, model.safetensors, tokenizer.json.
void write_toy_checkpoint(const std::filesystem::path& dir) {
  const nlohmann::json config = {{"architectures", {kArchitecture}},
                                 {"model_type", "toy-counter"},
                                 {"counted_id", testing::toy::X},
                                 {"max_positions", 64},
                                 {"id2label", {{"0", "LABEL_0"}}}};
  testing::write_file(dir / "config.json", config.dump());
  testing::write_safetensors(dir / "model.safetensors", {{"toy.weight", "F32", {1}, testing::f32_bytes({0.5f})}});
  testing::write_file(dir / "tokenizer.json", testing::toy::wordpiece_json().dump());
}

TEST(ArchitectureSeam, AMadeUpArchitectureLoadsThroughOneTableRow) {
  const RankerRegistry registry = make_builtin_registry(table_with_toy_row());
  testing::TempDir dir;
  write_toy_checkpoint(dir.path());

  // Spec resolution finds the row.
  const ModelSource source = resolve_spec(dir.path().string(), {}, registry);
  EXPECT_EQ(source.type, "cross-encoder");
  EXPECT_EQ(source.architecture, kArchitecture);
  EXPECT_EQ(source.num_labels, 1u);

  // Loading runs the row's model behind the cross-encoder: 0.5 per "x" in the pair.
  const std::unique_ptr<Ranker> ranker = load(dir.path().string(), {}, registry);
  const std::vector<Document> docs = {{"0", "a a", {}}, {"1", "x a x", {}}, {"2", "x x x x", {}}};
  const Scores scores = ranker->score_documents("x", docs);
  ASSERT_EQ(scores.values.size(), 3u);
  EXPECT_DOUBLE_EQ(scores.values[0], 0.5);
  EXPECT_DOUBLE_EQ(scores.values[1], 1.5);
  EXPECT_DOUBLE_EQ(scores.values[2], 2.5);
  ASSERT_EQ(scores.documents.size(), 3u);
  EXPECT_EQ(scores.documents[2].tokens, 8u);  // [CLS] x [SEP] x x x x [SEP]
  EXPECT_DOUBLE_EQ(scores.flops, 6.0 + 7.0 + 8.0);  // the model counts its own: 1 per token

  // --type names the ranker type explicitly.
  LoadOptions typed;
  typed.type = "cross-encoder";
  EXPECT_DOUBLE_EQ(load(dir.path().string(), typed, registry)->score_documents("x", docs).values[2], 2.5);

  // `rerank models` lists the row.
  const std::string listing = describe_models(registry);
  EXPECT_NE(listing.find(kArchitecture), std::string::npos) << listing;
  EXPECT_NE(listing.find("family toy"), std::string::npos) << listing;
}

TEST(ArchitectureSeam, WithoutTheRowTheArchitectureIsNotSupported) {
  testing::TempDir dir;
  write_toy_checkpoint(dir.path());
  for (const std::string& type : {std::string(), std::string("cross-encoder")}) {
    LoadOptions options;
    options.type = type;
    try {
      load(dir.path().string(), options);
      ADD_FAILURE() << "the built-in table has no " << kArchitecture;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::NotSupported) << e.what();
      EXPECT_NE(std::string(e.what()).find(kArchitecture), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(describe_models(ranker_registry()).find(kArchitecture), std::string::npos);
}

TEST(ArchitectureSeam, DetectedButUnimplementedRowsAreNotSupportedByName) {
  RERANK_REQUIRE_SHARED(ref, "reference");
  for (const char* fixture : {"deberta-v2-ce", "colbert"}) {
    try {
      load((ref / fixture).string());
      ADD_FAILURE() << fixture << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::NotSupported) << fixture << ": " << e.what();
    }
  }
  const models::ArchitectureTable& table = models::architecture_table();
  for (const char* planned : {"DebertaV2ForSequenceClassification", "DistilBertForSequenceClassification",
                              "Qwen2ForCausalLM", "BertModel", "HF_ColBERT"}) {
    const models::ArchitectureRow* row = table.find(planned);
    ASSERT_NE(row, nullptr) << planned;
    EXPECT_FALSE(row->implemented()) << planned;
  }
}

}  // namespace
}  // namespace rerank
