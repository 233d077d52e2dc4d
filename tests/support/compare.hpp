// Differences between a computed vector and its reference that a broken output cannot hide:
// a NaN or Inf on either side, or a size mismatch, is an infinite error. (`std::max(worst, d)`
// keeps `worst` when d is NaN, and `if (!(d <= worst)) worst = d` lets a later finite d
// replace it: both returned 0 for {1, NaN, 1, 1} against ones.)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace rerank::testing {

inline constexpr double kInfiniteError = std::numeric_limits<double>::infinity();

// max_i |actual[i] - expected[i]|; infinite on NaN/Inf or different sizes.
template <class Actual, class Expected>
double max_abs_diff(const Actual& actual, const Expected& expected) {
  if (std::size(actual) != std::size(expected)) return kInfiniteError;
  double worst = 0.0;
  auto e = std::begin(expected);
  for (const auto& a : actual) {
    const double x = static_cast<double>(a), y = static_cast<double>(*e++);
    if (!std::isfinite(x) || !std::isfinite(y)) return kInfiniteError;
    worst = std::max(worst, std::fabs(x - y));
  }
  return worst;
}

// Root mean square of `values` (0 for none); infinite on NaN/Inf.
template <class Values>
double rms(const Values& values) {
  double sum = 0.0;
  std::size_t n = 0;
  for (const auto& v : values) {
    const double x = static_cast<double>(v);
    if (!std::isfinite(x)) return kInfiniteError;
    sum += x * x;
    ++n;
  }
  return n == 0 ? 0.0 : std::sqrt(sum / static_cast<double>(n));
}

// max_abs_diff in units of the reference's RMS: for outputs whose magnitude depends on the
// shape (attention over long sequences averages towards 0), so one bound fits every shape.
// Infinite when the reference is all zeros.
template <class Actual, class Expected>
double max_diff_over_rms(const Actual& actual, const Expected& expected) {
  const double d = max_abs_diff(actual, expected), scale = rms(expected);
  if (!std::isfinite(d) || !(scale > 0.0)) return kInfiniteError;
  return d / scale;
}

// max_diff_over_rms of each segment of rows [starts[s], starts[s + 1]) (`cols` values a
// row), the worst segment: packed sequences each measured against their own scale.
// Infinite when the sizes do not match the segments.
template <class T, class U>
double max_segment_diff_over_rms(const std::vector<T>& actual, const std::vector<U>& expected,
                                 const std::vector<std::int32_t>& starts, std::size_t cols) {
  if (starts.empty() || actual.size() != expected.size() || actual.size() != starts.back() * cols) {
    return kInfiniteError;
  }
  double worst = 0.0;
  for (std::size_t s = 0; s + 1 < starts.size(); ++s) {
    if (starts[s + 1] < starts[s]) return kInfiniteError;
    const std::size_t begin = starts[s] * cols, size = (starts[s + 1] - starts[s]) * cols;
    if (size == 0) continue;
    worst = std::max(worst, max_diff_over_rms(std::span(actual).subspan(begin, size),
                                              std::span(expected).subspan(begin, size)));
  }
  return worst;
}

// Scores computed at reduced precision against the fp32 (or reference) scores: within
// `max_abs` everywhere and ranked alike (Spearman >= min_spearman). The message gives both
// figures, so a failure says how far off it was.
inline ::testing::AssertionResult close_and_ranked_alike(const std::vector<double>& actual,
                                                         const std::vector<double>& expected, double max_abs,
                                                         double min_spearman) {
  const double worst = max_abs_diff(actual, expected);
  const double rho = std::isfinite(worst) ? spearman(actual, expected) : std::nan("");
  const std::string figures = "max |diff| " + std::to_string(worst) + " (bound " + std::to_string(max_abs) +
                              "), Spearman " + std::to_string(rho) + " (at least " +
                              std::to_string(min_spearman) + "), " + std::to_string(actual.size()) +
                              " values";
  // Written so that NaN fails: spearman is NaN for a constant output.
  if (worst <= max_abs && rho >= min_spearman) return ::testing::AssertionSuccess() << figures;
  return ::testing::AssertionFailure() << figures;
}

}  // namespace rerank::testing
