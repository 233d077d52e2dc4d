// bf16 and int8 against fp32 on the reference fixtures: every score finite, within a bound
// set from what a correct implementation shows, and ranked like fp32 (Spearman); the
// figures are reported (RecordProperty + stdout).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/cpu/cpu_features.hpp"
#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "support/compare.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

using rerank::testing::close_and_ranked_alike;
using rerank::testing::max_abs_diff;
using rerank::testing::spearman;

// Scores (logit or logit1 - logit0) of every pair of every case.
std::vector<double> scores(const std::filesystem::path& dir, engine::Precision p) {
  std::ifstream in(dir / "cases.json");
  const auto cases = nlohmann::json::parse(in);
  auto model = load_model(dir, engine::make_device({"cpu", 2}), p);
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

// What a correct reduced-precision path does to each fixture's scores, measured (2 threads,
// x86-64 with AVX-512 BF16 and VNNI): the largest |score - fp32| and the Spearman
// correlation with fp32. The fixtures' random-weight scores lie within 0.28-0.55 of each
// other (standard deviation 0.055-0.145), so even the old int8 bound of 0.25 let a
// constant output through; these are a few percent of that spread.
struct Observed {
  const char* fixture;
  double bf16_max, bf16_spearman, int8_max, int8_spearman;
  // A family's own acceptance bound where it is tighter than 3x the observed deviation
  // (ModernBERT's issue: bf16 <= 2e-2, int8 <= 5e-2 of fp32).
  double bf16_cap = 1.0, int8_cap = 1.0;
};
constexpr Observed kObserved[] = {
    {"bert-ce", 0.00462, 0.9981, 0.02002, 0.9850},
    {"bert-ce-2label", 0.00871, 0.9995, 0.02252, 0.9970},
    {"xlmr-ce", 0.00501, 0.9990, 0.01659, 0.9913},
    {"electra-ce", 0.00534, 0.9997, 0.02918, 0.9956},
    // Its scores spread over 1.19 (the BERT fixtures' over 0.28-0.55); int8 uses per-token
    // activation scales and a bf16 first layer (modernbert_classifier.cpp).
    {"modernbert-ce", 0.01123, 0.9986, 0.02968, 0.9958, 0.02, 0.05},
};

struct Guard {
  double max_abs, min_spearman;
};

// 3x the observed deviation, and 3x the observed Spearman shortfall from 1. Without VNNI
// the int8 weights are quantised to 7 bits (twice the step; not measured here), so the
// int8 deviation may double and its shortfall, which grows with the noise's square,
// quadruple.
Guard guard(const std::string& fixture, engine::Precision p) {
  for (const Observed& o : kObserved) {
    if (fixture != o.fixture) continue;
    if (p == engine::Precision::BF16) return {std::min(3 * o.bf16_max, o.bf16_cap), 1 - 3 * (1 - o.bf16_spearman)};
    const double f = engine::cpu::cpu_features().avx512vnni ? 1.0 : 2.0;
    return {f * std::min(3 * o.int8_max, o.int8_cap), 1 - 3 * f * f * (1 - o.int8_spearman)};
  }
  throw std::invalid_argument("no observed figures for " + fixture);
}

class Precisions : public ::testing::TestWithParam<const char*> {};

TEST_P(Precisions, Bf16AndInt8StayNearFp32AndRankAlike) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  const auto f32 = scores(dir, engine::Precision::F32);
  for (auto p : {engine::Precision::BF16, engine::Precision::Int8}) {
    const auto q = scores(dir, p);
    const double worst = max_abs_diff(q, f32);
    const double rho = spearman(f32, q);
    const std::string name = std::string(engine::precision_name(p));
    RecordProperty("max_abs_dev_" + name, std::to_string(worst));
    RecordProperty("spearman_" + name, std::to_string(rho));
    std::printf("[ precision ] %s %s: max |score - fp32| = %.5f, Spearman vs fp32 = %.4f over %zu pairs\n", GetParam(),
                name.c_str(), worst, rho, q.size());
    EXPECT_TRUE(
        close_and_ranked_alike(q, f32, guard(GetParam(), p).max_abs, guard(GetParam(), p).min_spearman))
        << name;
  }
}

// What the guards are for: a path that outputs the middle of the fp32 range for every pair
// (a broken head, a lost input) was within the old int8 bound of 0.25 on three of the four
// fixtures; the guards above fail it on all four.
TEST_P(Precisions, GuardsFailAConstantMidRangeOutput) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  const auto f32 = scores(dir, engine::Precision::F32);
  const auto [lo, hi] = std::minmax_element(f32.begin(), f32.end());
  const std::vector<double> constant(f32.size(), (*lo + *hi) / 2);
  std::printf("[ precision ] %s: a constant mid-range output is %.4f off (old int8 bound 0.25)\n", GetParam(),
              max_abs_diff(constant, f32));
  for (auto p : {engine::Precision::BF16, engine::Precision::Int8}) {
    EXPECT_FALSE(close_and_ranked_alike(constant, f32, guard(GetParam(), p).max_abs,
                                        guard(GetParam(), p).min_spearman));
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Precisions,
                         ::testing::Values("bert-ce", "bert-ce-2label", "xlmr-ce", "electra-ce", "modernbert-ce"));

}  // namespace
}  // namespace rerank::models
