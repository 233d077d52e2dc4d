// T5 against transformers: the t5-mono fixture's token ids straight into the model (no
// tokenizer), packed like the engine packs them; every first-step vocabulary logit within
// 1e-4 (the cross-encoders' tolerance).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/cpu/cpu_features.hpp"
#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "models/t5_config.hpp"
#include "support/compare.hpp"
#include "support/test_support.hpp"
#include "text/tokenizer.hpp"

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

namespace rerank::models {
namespace {

// The reduced precisions on the fixture: every first-step logit within the bounds of
// fp32 (bf16 2e-2, int8 5e-2; observed 0.0089 and 0.030 on AVX-512 BF16/VNNI, int8 with
// per-token activation scales). Without VNNI int8 weights have 7 bits: twice the bound.
TEST(T5Parity, Bf16AndInt8StayNearFp32) {
  RERANK_REQUIRE_SHARED(dir, "reference/t5-mono");
  std::ifstream in(dir / "cases.json");
  const auto cases = nlohmann::json::parse(in);
  auto logits = [&](engine::Precision p) {
    auto model = load_model(dir, engine::make_device({"cpu", 2}), p);
    auto session = model->make_session();
    std::vector<float> all;
    for (const auto& c : cases["cases"]) {
      engine::PackedBatch b;
      for (const auto& seq : c["input_ids"]) model->append_sequence(b, seq.get<std::vector<std::int32_t>>(), {});
      const auto out = model->forward(*session, b);
      all.insert(all.end(), out.begin(), out.end());
    }
    return all;
  };
  const auto f32 = logits(engine::Precision::F32);
  // A monoT5-style score per text, l_true - l_false with the two tokens the rank test uses
  // for true and false (the reduced vocabulary has neither), to report how alike the
  // reduced precisions rank.
  const auto tokenizer = text::Tokenizer::from_directory(dir);
  const auto yes = static_cast<std::size_t>(*tokenizer->token_to_id("\xE2\x96\x81see"));
  const auto no = static_cast<std::size_t>(*tokenizer->token_to_id("\xE2\x96\x81thought"));
  const std::size_t vocab = f32.size() / [&] {
    std::size_t n = 0;
    for (const auto& c : cases["cases"]) n += c["input_ids"].size();
    return n;
  }();
  auto scores = [&](const std::vector<float>& all) {
    std::vector<double> out;
    for (std::size_t t = 0; t * vocab < all.size(); ++t) out.push_back(double(all[t * vocab + yes]) - all[t * vocab + no]);
    return out;
  };
  const double int8_factor = engine::cpu::cpu_features().avx512vnni ? 1.0 : 2.0;
  for (const auto& [p, bound] : {std::pair{engine::Precision::BF16, 2e-2}, std::pair{engine::Precision::Int8, 5e-2 * int8_factor}}) {
    const auto got = logits(p);
    ASSERT_EQ(got.size(), f32.size());
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(double(got[i]) - f32[i]));
    const double rho = rerank::testing::spearman(scores(got), scores(f32));
    std::printf("[ precision ] t5-mono %s: max |logit - fp32| = %.5f, Spearman of l_true - l_false vs fp32 = %.4f over %zu texts\n",
                std::string(engine::precision_name(p)).c_str(), worst, rho, scores(f32).size());
    EXPECT_GE(rho, 0.95) << engine::precision_name(p);
    EXPECT_LE(worst, bound) << engine::precision_name(p);
    EXPECT_GT(worst, 0.0) << "a reduced precision identical to fp32 did not run";
  }
}

}  // namespace
}  // namespace rerank::models
