// Greedy generation on Qwen3 with a KV cache (Model::generate): the first step's logits are
// transformers' (the qwen3-pointwise fixture's last_logits, within the fp32 family tolerance
// 1e-4), and every later step's logits equal a whole-sequence forward over the prompt and
// the tokens generated so far (no cache; within 1e-4: the cached path attends on the general
// kernel, the whole sequence on the fused one, so only the summation order differs), each
// token being their argmax. Stops, limits and the families that cannot generate are checked.
#include <algorithm>
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

std::int32_t argmax(std::span<const float> v) {
  return static_cast<std::int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

TEST(Qwen3Generation, CachedStepsEqualWholeSequenceForwardsAndTheFirstIsTransformers) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const nlohmann::json cases = rerank::testing::read_json(dir / "cases.json")["cases"];
  ASSERT_GE(cases.size(), 2u);
  auto model = load_model(dir, engine::make_device({"cpu", 2}), engine::Precision::F32);
  auto session = model->make_session();
  const std::size_t vocab = model->traits().outputs_per_sequence;
  for (std::size_t c = 0; c < 2; ++c) {
    // A prompt cut short of the case, so that a prefix and then single tokens run.
    const auto ids = cases[c]["input_ids"].get<std::vector<std::int32_t>>();
    const auto want_first = cases[c]["last_logits"].get<std::vector<float>>();
    GenerationOptions options;
    options.max_new_tokens = 12;
    options.keep_logits = true;
    const Generation g = model->generate(*session, ids, options);
    ASSERT_EQ(g.tokens.size(), 12u);
    ASSERT_EQ(g.logits.size(), 12 * vocab);
    double first_diff = 0;
    for (std::size_t v = 0; v < vocab; ++v) first_diff = std::max(first_diff, std::fabs(double(g.logits[v]) - want_first[v]));
    EXPECT_LE(first_diff, 1e-4) << "case " << c;
    std::vector<std::int32_t> sequence = ids;
    for (std::size_t k = 0; k < g.tokens.size(); ++k) {
      const std::span<const float> step(g.logits.data() + k * vocab, vocab);
      EXPECT_EQ(g.tokens[k], argmax(step)) << "case " << c << " step " << k;
      engine::PackedBatch b;
      model->append_sequence(b, sequence, {});
      const std::vector<float> whole = model->forward(*session, b);
      double diff = 0, scale = 0;
      for (std::size_t v = 0; v < vocab; ++v) {
        diff = std::max(diff, std::fabs(double(step[v]) - whole[v]));
        scale = std::max(scale, std::fabs(double(whole[v])));
      }
      EXPECT_LE(diff, 1e-4) << "case " << c << " step " << k;
      EXPECT_GT(scale, 0.1) << "degenerate logits would hide a wrong cache";
      sequence.push_back(g.tokens[k]);
    }
  }
}

TEST(Qwen3Generation, StopsLimitsAndErrors) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const nlohmann::json cases = rerank::testing::read_json(dir / "cases.json")["cases"];
  const auto ids = cases[0]["input_ids"].get<std::vector<std::int32_t>>();
  auto model = load_model(dir, engine::make_device({"cpu", 2}), engine::Precision::F32);
  auto session = model->make_session();
  GenerationOptions options;
  options.max_new_tokens = 6;
  const Generation free_run = model->generate(*session, ids, options);
  ASSERT_EQ(free_run.tokens.size(), 6u);
  EXPECT_TRUE(free_run.logits.empty());
  // Stopping at the third token's id ends at its first occurrence, which is returned.
  options.stop_ids = {free_run.tokens[2]};
  const Generation stopped = model->generate(*session, ids, options);
  const auto first = std::find(free_run.tokens.begin(), free_run.tokens.end(), free_run.tokens[2]) - free_run.tokens.begin();
  EXPECT_EQ(stopped.tokens, std::vector<std::int32_t>(free_run.tokens.begin(), free_run.tokens.begin() + first + 1));
  options.stop_ids.clear();
  options.max_new_tokens = 0;
  EXPECT_TRUE(model->generate(*session, ids, options).tokens.empty());
  options.max_new_tokens = static_cast<std::size_t>(model->max_sequence_length());
  EXPECT_EQ(rerank::testing::code_of([&] { model->generate(*session, ids, options); }), ErrorCode::InvalidInput);
  options.max_new_tokens = 2;
  EXPECT_EQ(rerank::testing::code_of([&] { model->generate(*session, std::vector<std::int32_t>{}, options); }),
            ErrorCode::InvalidInput);

  // A head over selected rows cannot pick a token; an encoder cannot generate at all.
  const CheckpointInfo checkpoint = read_checkpoint(dir);
  const CheckpointWeights weights(checkpoint.weights());
  LoadSettings settings;
  settings.vocabulary_rows = {17};
  auto selected = load_model(checkpoint, weights, engine::make_device({"cpu", 2}), settings);
  EXPECT_EQ(rerank::testing::code_of([&] { selected->generate(*session, ids, options); }), ErrorCode::NotSupported);
  RERANK_REQUIRE_SHARED(bert, "reference/bert-ce");
  auto encoder = load_model(bert, engine::make_device({"cpu", 2}), engine::Precision::F32);
  auto encoder_session = encoder->make_session();
  EXPECT_EQ(rerank::testing::code_of([&] { encoder->generate(*encoder_session, std::vector<std::int32_t>{1, 2}, options); }),
            ErrorCode::NotSupported);
}

}  // namespace
}  // namespace rerank::models
