// The shared comparison helpers (tests/support/compare.hpp) that every engine and model
// test uses: a NaN, an Inf or a size mismatch must never read as a small difference.
#include "support/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace rerank::testing {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();
const std::vector<float> kOnes{1, 1, 1, 1};

TEST(Compare, NaNAnywhereIsAnInfiniteError) {
  for (std::size_t at = 0; at < kOnes.size(); ++at) {
    std::vector<float> got = kOnes;
    got[at] = kNaN;
    EXPECT_EQ(max_abs_diff(got, kOnes), kInfiniteError) << "NaN at " << at;
    EXPECT_EQ(max_abs_diff(kOnes, got), kInfiniteError) << "NaN in the reference at " << at;
    EXPECT_EQ(max_diff_over_rms(got, kOnes), kInfiniteError) << "NaN at " << at;
  }
}

// The two idioms the engine tests used before (cuda_test_util.hpp, cuda_model_parity_test.cpp;
// device_test.cpp, precision_test.cpp, encoder_*_test.cpp): both read {1, NaN, 1, 1} as equal
// to ones, which is why they were replaced.
TEST(Compare, TheReplacedIdiomsReturnedZeroForNaN) {
  const std::vector<float> got{1, kNaN, 1, 1};
  double replaced_if = 0.0, replaced_max = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double d = std::fabs(double(got[i]) - kOnes[i]);
    if (!(d <= replaced_if)) replaced_if = d;
    replaced_max = std::max(replaced_max, d);
  }
  EXPECT_EQ(replaced_if, 0.0);
  EXPECT_EQ(replaced_max, 0.0);
  EXPECT_EQ(max_abs_diff(got, kOnes), kInfiniteError);
}

TEST(Compare, InfinityIsAnInfiniteError) {
  EXPECT_EQ(max_abs_diff(std::vector<float>{1, kInf, 1, 1}, kOnes), kInfiniteError);
  EXPECT_EQ(max_abs_diff(std::vector<float>{1, -kInf, 1, 1}, kOnes), kInfiniteError);
  // Inf against Inf is not "equal": a reference is finite, an overflowed output is a bug.
  EXPECT_EQ(max_abs_diff(std::vector<float>{kInf}, std::vector<float>{kInf}), kInfiniteError);
}

TEST(Compare, SizeMismatchIsAnInfiniteError) {
  EXPECT_EQ(max_abs_diff(std::vector<float>{1, 1, 1}, kOnes), kInfiniteError);
  EXPECT_EQ(max_abs_diff(std::vector<float>{}, kOnes), kInfiniteError);
  EXPECT_EQ(max_abs_diff(std::vector<float>{1, 1, 1, 1, 1}, kOnes), kInfiniteError);
}

TEST(Compare, FiniteDifferencesAreExact) {
  EXPECT_EQ(max_abs_diff(kOnes, kOnes), 0.0);
  EXPECT_EQ(max_abs_diff(std::vector<float>{}, std::vector<double>{}), 0.0);
  EXPECT_DOUBLE_EQ(max_abs_diff(std::vector<float>{1, 1.5f, 0.75f, 1}, std::vector<double>{1, 1, 1, 1}), 0.5);
  EXPECT_DOUBLE_EQ(rms(std::vector<double>{3, -4}), std::sqrt(12.5));
  EXPECT_DOUBLE_EQ(max_diff_over_rms(std::vector<double>{3.5, -4}, std::vector<double>{3, -4}),
                   0.5 / std::sqrt(12.5));
  EXPECT_EQ(max_diff_over_rms(std::vector<double>{0, 0}, std::vector<double>{0, 0}), kInfiniteError);
}

// Two packed sequences, one value a row: a short one of order 1 and a long one of order
// 0.02 (as attention over 8192 tokens gives). The long one 20% off is within 1e-2 absolute
// but 0.2 of its own RMS.
TEST(Compare, SegmentsAreMeasuredAgainstTheirOwnScale) {
  const std::vector<std::int32_t> starts{0, 2, 6};
  const std::vector<float> want{1.0f, -1.0f, 0.02f, -0.02f, 0.02f, -0.02f};
  std::vector<float> got = want;
  for (std::size_t i = 2; i < got.size(); ++i) got[i] *= 1.2f;
  EXPECT_LT(max_abs_diff(got, want), 1e-2);
  EXPECT_NEAR(max_segment_diff_over_rms(got, want, starts, 1), 0.2, 1e-6);
  EXPECT_EQ(max_segment_diff_over_rms(want, want, starts, 1), 0.0);
  got[0] = kNaN;
  EXPECT_EQ(max_segment_diff_over_rms(got, want, starts, 1), kInfiniteError);
  EXPECT_EQ(max_segment_diff_over_rms(want, want, {0, 2, 5}, 1),
            kInfiniteError);  // segments cover 5 rows of 6
  EXPECT_EQ(max_segment_diff_over_rms(want, want, {0, 3}, 2), 0.0);
}

TEST(Compare, CloseAndRankedAlikeFailsAConstantOrReorderedOutput) {
  const std::vector<double> ref{0.1, 0.2, 0.3, 0.4, 0.5};
  EXPECT_TRUE(close_and_ranked_alike({0.11, 0.19, 0.31, 0.41, 0.49}, ref, 0.02, 0.99));
  EXPECT_FALSE(close_and_ranked_alike({0.3, 0.3, 0.3, 0.3, 0.3}, ref, 0.25, 0.0));   // constant: Spearman NaN
  EXPECT_FALSE(close_and_ranked_alike({0.2, 0.1, 0.3, 0.4, 0.5}, ref, 0.25, 0.99));  // two swapped
  EXPECT_FALSE(close_and_ranked_alike({0.1, 0.2, kNaN, 0.4, 0.5}, ref, 1.0, 0.0));
}

}  // namespace
}  // namespace rerank::testing
