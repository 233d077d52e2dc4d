// Shared by the attention tests (cuda_ops_test.cpp on a GPU, bf16_attention_bounds_test.cpp
// everywhere): the packed random inputs, how a bf16 attention output is measured against the
// fp32 reference, and the bounds a correct bf16 kernel meets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/cuda_test_util.hpp"
#include "support/compare.hpp"

namespace rerank::engine::cuda_test {

// Packed sequences of the given lengths: their starts, and random Q|K|V rows ([tokens x
// 3*hidden]) with Q scaled by q_scale (large scores test the online softmax).
struct AttentionInput {
  std::vector<std::int32_t> starts{0};
  std::int64_t tokens = 0, hidden = 0;
  std::vector<float> qkv;
};

inline AttentionInput attention_input(const std::vector<std::int32_t>& lengths, std::int64_t heads,
                                      std::int64_t head_dim, float q_scale, std::uint32_t seed) {
  AttentionInput in;
  for (const std::int32_t l : lengths) in.starts.push_back(in.starts.back() + l);
  in.tokens = in.starts.back();
  in.hidden = heads * head_dim;
  in.qkv = random_values(static_cast<std::size_t>(in.tokens * 3 * in.hidden), 1.0f, seed);
  for (std::int64_t r = 0; r < in.tokens; ++r) {
    for (std::int64_t c = 0; c < in.hidden; ++c) {
      in.qkv[static_cast<std::size_t>(r * 3 * in.hidden + c)] *= q_scale;
    }
  }
  return in;
}

// A bf16 attention output against the fp32 reference: the largest difference, and the same
// within each sequence in units of that sequence's output RMS (the worst sequence).
// Attention averages a sequence's values, so its output shrinks with length (RMS 0.019 at
// 8192 tokens against ~1 for one token): the absolute bound fits the short sequences, the
// relative one the long ones.
struct AttentionError {
  double max_abs = 0, over_rms = 0;
};

inline AttentionError attention_error(const std::vector<float>& got, const std::vector<float>& want,
                                      const std::vector<std::int32_t>& starts, std::int64_t cols) {
  return {max_abs_diff(got, want),
          rerank::testing::max_segment_diff_over_rms(got, want, starts, static_cast<std::size_t>(cols))};
}

// What a correct kernel shows, from emulating both bf16 kernels' arithmetic on the CPU
// (bf16_attention_bounds_test.cpp: 64-key tiles, exp2 online softmax, P rounded to bf16 and
// summed as rounded, fp32 accumulation) on every shape and input of
// Bf16AttentionKernelsMatchTheCpuOnEveryShape, 8192 and 4097 tokens included: at most
// 0.0094 of a sequence's RMS with an fp32 output (0.0027 absolute), 0.0235 (0.0079) when
// the output is rounded to bf16 as well (bf16 scratch), 0.0034 / 0.0101 of the RMS for the
// large scores. The relative bounds are about 3x that; the absolute ones are kept from
// before. The emulation test runs the shorter shapes each time.
struct AttentionBound {
  double max_abs, over_rms;
};
inline constexpr AttentionBound kBf16Attention{1e-2, 0.03}, kBf16AttentionBf16Out{1e-2, 0.07},
    kBf16AttentionLargeScores{2e-2, 0.03};

inline ::testing::AssertionResult within(const AttentionError& e, const AttentionBound& b) {
  const std::string figures = "max |diff| " + std::to_string(e.max_abs) + " (bound " +
                              std::to_string(b.max_abs) + "), worst sequence " + std::to_string(e.over_rms) +
                              " of its RMS (bound " + std::to_string(b.over_rms) + ")";
  if (e.max_abs <= b.max_abs && e.over_rms <= b.over_rms) return ::testing::AssertionSuccess() << figures;
  return ::testing::AssertionFailure() << figures;
}

}  // namespace rerank::engine::cuda_test
