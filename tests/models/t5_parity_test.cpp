// T5 against transformers: the t5-mono fixture's token ids straight into the model (no
// tokenizer), packed like the engine packs them; every first-step vocabulary logit within
// 1e-4 (the cross-encoders' tolerance).
#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "models/t5_config.hpp"
#include "support/compare.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

double max_error(const std::filesystem::path& dir, bool one_by_one) {
  std::ifstream in(dir / "cases.json");
  const auto cases = nlohmann::json::parse(in);
  auto model = load_model(dir, engine::make_device({"cpu", 2}), engine::Precision::F32);
  EXPECT_EQ(model->traits().output, OutputKind::VocabularyLogits);
  auto session = model->make_session();
  const std::size_t vocab = model->traits().outputs_per_sequence;
  double worst = 0;
  std::size_t checked = 0;
  for (const auto& c : cases["cases"]) {
    const auto& ids = c["input_ids"];
    std::vector<std::vector<float>> got;
    if (one_by_one) {
      for (const auto& seq : ids) {
        engine::PackedBatch b;
        model->append_sequence(b, seq.get<std::vector<std::int32_t>>(), {});
        got.push_back(model->forward(*session, b));
      }
    } else {
      engine::PackedBatch b;
      for (const auto& seq : ids) model->append_sequence(b, seq.get<std::vector<std::int32_t>>(), {});
      const auto all = model->forward(*session, b);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        got.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(i * vocab),
                         all.begin() + static_cast<std::ptrdiff_t>((i + 1) * vocab));
      }
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      worst = std::max(worst, rerank::testing::max_abs_diff(got[i], c["first_step_logits"][i].get<std::vector<double>>()));
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
  return worst;
}

TEST(T5Parity, FirstStepLogitsMatchTransformersPacked) {
  RERANK_REQUIRE_SHARED(dir, "reference/t5-mono");
  EXPECT_LT(max_error(dir, false), 1e-4);
}

TEST(T5Parity, FirstStepLogitsMatchTransformersOneAtATime) {
  RERANK_REQUIRE_SHARED(dir, "reference/t5-mono");
  EXPECT_LT(max_error(dir, true), 1e-4);
}

// transformers' _relative_position_bucket on hand-checked values (num_buckets 32, max
// distance 128): exact below 8 (bidirectional: 16 buckets a side), logarithmic beyond, the
// last bucket from 128 on; causal buckets see only the past.
TEST(T5Parity, RelativePositionBuckets) {
  EXPECT_EQ(t5_relative_position_bucket(0, true, 32, 128), 0);
  EXPECT_EQ(t5_relative_position_bucket(-3, true, 32, 128), 3);
  EXPECT_EQ(t5_relative_position_bucket(3, true, 32, 128), 19);
  EXPECT_EQ(t5_relative_position_bucket(-8, true, 32, 128), 8);   // 8 + log(1) * ... = 8
  EXPECT_EQ(t5_relative_position_bucket(-16, true, 32, 128), 10);  // 8 + int(log(2)/log(16) * 8) = 8 + 2
  EXPECT_EQ(t5_relative_position_bucket(-127, true, 32, 128), 15);
  EXPECT_EQ(t5_relative_position_bucket(-500, true, 32, 128), 15);
  EXPECT_EQ(t5_relative_position_bucket(500, true, 32, 128), 31);
  EXPECT_EQ(t5_relative_position_bucket(5, false, 32, 128), 0);   // the future: bucket 0
  EXPECT_EQ(t5_relative_position_bucket(-5, false, 32, 128), 5);
  EXPECT_EQ(t5_relative_position_bucket(-20, false, 32, 128), 17);  // 16 + int(log(20/16)/log(8) * 16) = 16 + 1
}

}  // namespace
}  // namespace rerank::models
