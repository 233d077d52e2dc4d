// bf16 and int8 against fp32 on the reference fixtures: no NaN/Inf, bounded deviation, and
// the max deviation and Spearman rank correlation are reported (RecordProperty + stdout).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device.hpp"
#include "models/encoder_classifier.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

using rerank::testing::spearman;

// Scores (logit or logit1 - logit0) of every pair of every case.
std::vector<double> scores(const std::filesystem::path& dir, engine::Precision p) {
  std::ifstream in(dir / "cases.json");
  const auto cases = nlohmann::json::parse(in);
  auto model = load_encoder_classifier(dir, engine::make_device({"cpu", 2}), p);
  auto session = model->device().make_session();
  std::vector<double> out;
  for (const auto& c : cases["cases"]) {
    engine::PackedBatch b;
    for (std::size_t i = 0; i < c["input_ids"].size(); ++i) {
      const auto ids = c["input_ids"][i].get<std::vector<std::int32_t>>();
      const auto t = c["token_type_ids"].is_null() ? std::vector<std::int32_t>()
                                                    : c["token_type_ids"][i].get<std::vector<std::int32_t>>();
      model->append_sequence(b, ids, t);
    }
    const auto logits = model->forward(*session, b);
    const std::size_t l = model->num_labels();
    for (std::size_t i = 0; i * l < logits.size(); ++i) {
      out.push_back(l == 2 ? logits[i * 2 + 1] - logits[i * 2] : logits[i]);
    }
  }
  return out;
}

class Precisions : public ::testing::TestWithParam<const char*> {};

TEST_P(Precisions, Bf16AndInt8StayNearFp32) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  const auto f32 = scores(dir, engine::Precision::F32);
  for (auto p : {engine::Precision::BF16, engine::Precision::Int8}) {
    const auto q = scores(dir, p);
    ASSERT_EQ(q.size(), f32.size());
    double worst = 0;
    for (std::size_t i = 0; i < q.size(); ++i) {
      ASSERT_TRUE(std::isfinite(q[i]));
      worst = std::max(worst, std::fabs(q[i] - f32[i]));
    }
    const double rho = spearman(f32, q);
    const std::string name = std::string(engine::precision_name(p));
    RecordProperty("max_abs_dev_" + name, std::to_string(worst));
    RecordProperty("spearman_" + name, std::to_string(rho));
    std::printf("[ precision ] %s %s: max |score - fp32| = %.5f, Spearman vs fp32 = %.4f over %zu pairs\n", GetParam(),
                name.c_str(), worst, rho, q.size());
    // Loose guards against a broken path; the exact figures are reported above.
    EXPECT_LT(worst, p == engine::Precision::BF16 ? 0.05 : 0.25);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Precisions, ::testing::Values("bert-ce", "bert-ce-2label", "xlmr-ce", "electra-ce"));

}  // namespace
}  // namespace rerank::models
