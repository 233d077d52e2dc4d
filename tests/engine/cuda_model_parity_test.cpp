// Whole-model parity of the CUDA backend: the reference fixtures' token ids go straight into
// the encoder (as tests/models/encoder_parity_test.cpp does on the CPU). fp32 (TF32 off) must
// match transformers within 1e-4 per logit and rank every case exactly as the CPU engine;
// bf16 must stay within a per-fixture bound per logit and rank like the CPU's fp32 logits
// (Spearman); its figures are printed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/cuda_test_util.hpp"
#include "models/load_model.hpp"
#include "support/compare.hpp"
#include "support/test_support.hpp"

namespace rerank::engine {
namespace {

struct CaseLogits {
  std::vector<std::vector<float>> got;       // per pair, per label
  std::vector<std::vector<double>> expected;
};

// Every case of the fixture as one packed batch (or one pair per forward pass).
std::vector<CaseLogits> run_cases(const std::filesystem::path& dir, std::shared_ptr<const Device> device,
                                  Precision precision, bool one_by_one) {
  const auto cases = rerank::testing::read_json(dir / "cases.json");
  auto model = models::load_model(dir, std::move(device), precision);
  auto session = model->device().make_session();
  const std::size_t labels = model->num_labels();
  std::vector<CaseLogits> out;
  for (const auto& c : cases["cases"]) {
    const auto& ids = c["input_ids"];
    const auto& types = c["token_type_ids"];
    CaseLogits r;
    auto sequence = [&](std::size_t i, PackedBatch& b) {
      const auto v = ids[i].get<std::vector<std::int32_t>>();
      const auto t = types.is_null() ? std::vector<std::int32_t>() : types[i].get<std::vector<std::int32_t>>();
      model->append_sequence(b, v, t);
    };
    if (one_by_one) {
      for (std::size_t i = 0; i < ids.size(); ++i) {
        PackedBatch b;
        sequence(i, b);
        r.got.push_back(model->forward(*session, b));
      }
    } else {
      PackedBatch b;
      for (std::size_t i = 0; i < ids.size(); ++i) sequence(i, b);
      const auto all = model->forward(*session, b);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        r.got.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(i * labels),
                           all.begin() + static_cast<std::ptrdiff_t>((i + 1) * labels));
      }
    }
    for (std::size_t i = 0; i < ids.size(); ++i) r.expected.push_back(c["logits"][i].get<std::vector<double>>());
    out.push_back(std::move(r));
  }
  return out;
}

// Largest |logit - transformers' logit| over every pair (infinite on NaN/Inf or a wrong
// number of labels).
double max_error(const std::vector<CaseLogits>& cases) {
  double worst = 0.0;
  for (const auto& c : cases) {
    for (std::size_t i = 0; i < c.expected.size(); ++i) {
      worst = std::max(worst, rerank::testing::max_abs_diff(c.got[i], c.expected[i]));
    }
  }
  return worst;
}

// Order of the pairs of one case by one label's logit, ties by index (the rankers' rule).
std::vector<std::size_t> order_by(const std::vector<std::vector<float>>& logits, std::size_t label) {
  std::vector<std::size_t> idx(logits.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return logits[a][label] > logits[b][label]; });
  return idx;
}

using rerank::testing::spearman;

std::shared_ptr<const Device> cpu_device() {
  DeviceOptions o;
  o.threads = 2;
  return make_device(o);
}

class CudaModelParity : public ::testing::TestWithParam<const char*> {};

TEST_P(CudaModelParity, Fp32PackedBatchMatchesTransformersAndRanksLikeTheCpu) {
  RERANK_REQUIRE_CUDA(gpu);
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  const auto on_gpu = run_cases(dir, gpu, Precision::F32, false);
  EXPECT_LT(max_error(on_gpu), 1e-4);
  const auto on_cpu = run_cases(dir, cpu_device(), Precision::F32, false);
  ASSERT_EQ(on_gpu.size(), on_cpu.size());
  for (std::size_t c = 0; c < on_gpu.size(); ++c) {
    for (std::size_t l = 0; l < on_gpu[c].expected.front().size(); ++l) {
      EXPECT_EQ(order_by(on_gpu[c].got, l), order_by(on_cpu[c].got, l)) << "case " << c << " label " << l;
    }
  }
}

TEST_P(CudaModelParity, Fp32OneSequenceAtATimeMatches) {
  RERANK_REQUIRE_CUDA(gpu);
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  EXPECT_LT(max_error(run_cases(dir, gpu, Precision::F32, true)), 1e-4);
}

// The bf16 bounds, per fixture. Not measured on a GPU (none on the machine that set them):
// derived from the CPU engine's bf16 path on the same fixtures, which rounds the same GEMM
// inputs and weights: per logit at most 0.0046, 0.0074, 0.0050, 0.0053 from transformers,
// Spearman 0.9981, 0.9997, 0.9990, 0.9997 with the CPU's fp32 logits. The CUDA path rounds
// more (Q|K|V, the attention probabilities, the FFN intermediate before GELU, the GEMM
// bias: about 3 roundings a layer on top of the CPU's 4), so its error is taken as up to
// 1.75x the CPU's and its Spearman shortfall, which grows with the error's square, as up to
// 3.1x. 3x that error lands at the 2e-2 used before (0.019-0.039), which stays; most
// adjacent logits are closer than that (median gap 0.004-0.009), so the ranking is held by
// Spearman: at least 1 - 3 x 3.1 x the CPU's shortfall.
struct Bf16Bound {
  const char* fixture;
  double max_abs, min_spearman;
};
constexpr Bf16Bound kBf16Bounds[] = {
    {"bert-ce", 2e-2, 0.98},
    {"bert-ce-2label", 2e-2, 0.997},
    {"xlmr-ce", 2e-2, 0.99},
    {"electra-ce", 2e-2, 0.997},
};

const Bf16Bound& bf16_bound(const std::string& fixture) {
  for (const Bf16Bound& b : kBf16Bounds) {
    if (fixture == b.fixture) return b;
  }
  throw std::invalid_argument("no bf16 bound for " + fixture);
}

// bf16 logits against transformers' (max error) and against the CPU's fp32 logits
// (Spearman over every logit of every case).
::testing::AssertionResult within_bf16_bound(const std::vector<CaseLogits>& bf16,
                                             const std::vector<CaseLogits>& fp32, const Bf16Bound& bound) {
  std::vector<double> a, b;
  for (std::size_t c = 0; c < bf16.size() && c < fp32.size(); ++c) {
    for (std::size_t i = 0; i < bf16[c].got.size() && i < fp32[c].got.size(); ++i) {
      a.insert(a.end(), bf16[c].got[i].begin(), bf16[c].got[i].end());
      b.insert(b.end(), fp32[c].got[i].begin(), fp32[c].got[i].end());
    }
  }
  const double worst = max_error(bf16);
  const double rho = a.size() == b.size() ? spearman(a, b) : std::nan("");
  const std::string figures = std::string(bound.fixture) + ": max |err| " + std::to_string(worst) +
                              " (bound " + std::to_string(bound.max_abs) + "), Spearman vs CPU fp32 " +
                              std::to_string(rho) + " over " + std::to_string(a.size()) +
                              " logits (at least " + std::to_string(bound.min_spearman) + ")";
  // Written so that NaN fails: Spearman is NaN for a constant output.
  if (worst < bound.max_abs && rho >= bound.min_spearman) return ::testing::AssertionSuccess() << figures;
  return ::testing::AssertionFailure() << figures;
}

TEST_P(CudaModelParity, Bf16StaysCloseToTransformersAndRanksLikeTheCpu) {
  RERANK_REQUIRE_CUDA(gpu);
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  const auto bf16 = run_cases(dir, gpu, Precision::BF16, false);
  const auto ref = run_cases(dir, cpu_device(), Precision::F32, false);
  const ::testing::AssertionResult r = within_bf16_bound(bf16, ref, bf16_bound(GetParam()));
  std::printf("[ %s ] bf16 %s\n", GetParam(), r.message());
  EXPECT_TRUE(r);
}

// What the Spearman bound adds, on the CPU (runs without a GPU): the fp32 logits with every
// other one moved by 0.0185 up or down are within the 2e-2 that was the whole check before,
// but no longer ranked like fp32.
TEST_P(CudaModelParity, Bf16BoundFailsLogitsScrambledWithinTheOldTolerance) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  const auto ref = run_cases(dir, cpu_device(), Precision::F32, false);
  auto scrambled = ref;
  std::size_t n = 0;
  for (auto& c : scrambled) {
    for (auto& pair : c.got) {
      for (float& v : pair) v += (n++ % 2 ? 0.0185f : -0.0185f);
    }
  }
  EXPECT_LT(max_error(scrambled), 2e-2);  // the old check passed this
  const ::testing::AssertionResult r = within_bf16_bound(scrambled, ref, bf16_bound(GetParam()));
  std::printf("[ %s ] scrambled: %s\n", GetParam(), r.message());
  EXPECT_FALSE(r);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CudaModelParity,
                         ::testing::Values("bert-ce", "bert-ce-2label", "xlmr-ce", "electra-ce"));

}  // namespace
}  // namespace rerank::engine
