// Model-level parity with transformers: the fixtures' token ids go straight into the
// encoder (no tokenizer), packed the way the engine packs them, and every logit must match
// the reference within 1e-4.
#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "support/compare.hpp"
#include "support/test_support.hpp"

namespace rerank::models {
namespace {

std::shared_ptr<const engine::Device> cpu(int threads = 2) {
  engine::DeviceOptions o;
  o.threads = threads;
  return engine::make_device(o);
}

// Runs every pair of every case as one packed batch; returns max |logit - expected|
// (infinite on NaN/Inf or a wrong number of labels).
double max_error(const std::filesystem::path& dir, engine::Precision precision, int threads, bool one_by_one) {
  const auto cases = rerank::testing::read_json(dir / "cases.json");
  auto model = load_model(dir, cpu(threads), precision);
  auto session = model->device().make_session();
  double worst = 0.0;
  for (const auto& c : cases["cases"]) {
    const auto& ids = c["input_ids"];
    const auto& types = c["token_type_ids"];
    std::vector<std::vector<float>> got;
    if (one_by_one) {
      for (std::size_t i = 0; i < ids.size(); ++i) {
        engine::PackedBatch b;
        const auto v = ids[i].get<std::vector<std::int32_t>>();
        const auto t = types.is_null() ? std::vector<std::int32_t>() : types[i].get<std::vector<std::int32_t>>();
        model->append_sequence(b, v, t);
        got.push_back(model->forward(*session, b));
      }
    } else {
      engine::PackedBatch b;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto v = ids[i].get<std::vector<std::int32_t>>();
        const auto t = types.is_null() ? std::vector<std::int32_t>() : types[i].get<std::vector<std::int32_t>>();
        model->append_sequence(b, v, t);
      }
      const auto all = model->forward(*session, b);
      const std::size_t labels = model->num_labels();
      for (std::size_t i = 0; i < ids.size(); ++i) {
        got.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(i * labels),
                         all.begin() + static_cast<std::ptrdiff_t>((i + 1) * labels));
      }
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      worst =
          std::max(worst, rerank::testing::max_abs_diff(got[i], c["logits"][i].get<std::vector<double>>()));
    }
  }
  return worst;
}

class EncoderParity : public ::testing::TestWithParam<const char*> {};

TEST_P(EncoderParity, Fp32PackedBatchMatchesTransformers) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  EXPECT_LT(max_error(dir, engine::Precision::F32, 2, false), 1e-4);
}

TEST_P(EncoderParity, Fp32OneSequenceAtATimeSingleThreadMatches) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  EXPECT_LT(max_error(dir, engine::Precision::F32, 1, true), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EncoderParity,
                         ::testing::Values("bert-ce", "bert-ce-2label", "xlmr-ce", "electra-ce", "modernbert-ce"));

}  // namespace
}  // namespace rerank::models
