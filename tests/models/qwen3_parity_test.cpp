// Qwen3 against transformers: the qwen3-pointwise fixture's token ids (Qwen3-Reranker
// prompts, 300 tokens) straight into the model, packed together and one at a time; every
// last-position vocabulary logit within 1e-4 of transformers' fp32 run (the tolerance of
// every fp32 family: a few fp32 roundings in different summation orders, observed ~6e-6).
// bf16 stays within 2% of the logit scale (max |logit|) of fp32: every GEMM input and weight
// rounds to 8 significant bits (2^-9 = 0.2% each), five GEMMs a layer feed the residual
// stream; observed 0.5-1.4% on this random-weight fixture, whose logits are ~4.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "rerank/error.hpp"
#include "support/compare.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

// The last-position logits of every case, packed in one batch or one sequence per call.
std::vector<std::vector<float>> run_cases(const std::filesystem::path& dir, const nlohmann::json& cases,
                                          engine::Precision precision, bool one_by_one) {
  auto model = load_model(dir, engine::make_device({"cpu", 2}), precision);
  EXPECT_EQ(model->traits().output, OutputKind::VocabularyLogits);
  auto session = model->make_session();
  const std::size_t vocab = model->traits().outputs_per_sequence;
  std::vector<std::vector<float>> got;
  if (one_by_one) {
    for (const auto& c : cases) {
      engine::PackedBatch b;
      model->append_sequence(b, c["input_ids"].get<std::vector<std::int32_t>>(), {});
      got.push_back(model->forward(*session, b));
    }
    return got;
  }
  engine::PackedBatch b;
  for (const auto& c : cases) model->append_sequence(b, c["input_ids"].get<std::vector<std::int32_t>>(), {});
  const auto all = model->forward(*session, b);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    got.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(i * vocab),
                     all.begin() + static_cast<std::ptrdiff_t>((i + 1) * vocab));
  }
  return got;
}

TEST(Qwen3Parity, LastLogitsMatchTransformersPackedAndOneAtATime) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const nlohmann::json cases = rerank::testing::read_json(dir / "cases.json")["cases"];
  ASSERT_FALSE(cases.empty());
  for (const bool one_by_one : {false, true}) {
    const auto got = run_cases(dir, cases, engine::Precision::F32, one_by_one);
    double worst = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      worst = std::max(worst, rerank::testing::max_abs_diff(got[i], cases[i]["last_logits"].get<std::vector<double>>()));
    }
    std::printf("[ parity ] qwen3-pointwise %s: max |logit - transformers| = %.3g\n",
                one_by_one ? "one at a time" : "packed", worst);
    EXPECT_LT(worst, 1e-4);
  }
}

TEST(Qwen3Parity, Bf16StaysNearFp32) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const nlohmann::json cases = rerank::testing::read_json(dir / "cases.json")["cases"];
  const auto f32 = run_cases(dir, cases, engine::Precision::F32, false);
  const auto bf16 = run_cases(dir, cases, engine::Precision::BF16, false);
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < f32.size(); ++i) {
    for (std::size_t k = 0; k < f32[i].size(); ++k) {
      worst = std::max(worst, std::fabs(double(bf16[i][k]) - f32[i][k]));
      scale = std::max(scale, std::fabs(double(f32[i][k])));
    }
  }
  std::printf("[ precision ] qwen3-pointwise bf16: max |logit - fp32| = %.5f of max |logit| %.3f\n", worst, scale);
  EXPECT_LE(worst, 2e-2 * scale);
  EXPECT_GT(worst, 0.0) << "a bf16 run identical to fp32 did not run in bf16";
}

// LoadSettings::vocabulary_rows: the head holds only the rows asked for, in that order, and
// they are the full head's values (the llm ranker loads yes and no this way).
TEST(Qwen3Parity, SelectedVocabularyRowsAreTheFullHeadsRows) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const nlohmann::json cases = rerank::testing::read_json(dir / "cases.json")["cases"];
  const auto full = run_cases(dir, cases, engine::Precision::F32, false);
  const CheckpointInfo checkpoint = read_checkpoint(dir);
  const CheckpointWeights weights(checkpoint.weights());
  LoadSettings settings;
  settings.vocabulary_rows = {3919, 17, 8258};
  auto model = load_model(checkpoint, weights, engine::make_device({"cpu", 2}), settings);
  EXPECT_EQ(model->traits().output, OutputKind::SelectedLogits);
  ASSERT_EQ(model->traits().outputs_per_sequence, 3u);
  auto session = model->make_session();
  engine::PackedBatch b;
  for (const auto& c : cases) model->append_sequence(b, c["input_ids"].get<std::vector<std::int32_t>>(), {});
  const auto got = model->forward(*session, b);
  ASSERT_EQ(got.size(), 3 * cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(got[i * 3 + k], full[i][static_cast<std::size_t>(settings.vocabulary_rows[k])], 1e-6) << i << "," << k;
    }
  }
  settings.vocabulary_rows = {8259};  // one past the vocabulary
  EXPECT_EQ(rerank::testing::code_of([&] { load_model(checkpoint, weights, engine::make_device({"cpu", 2}), settings); }),
            ErrorCode::ModelFormat);
}

}  // namespace
}  // namespace rerank::models
