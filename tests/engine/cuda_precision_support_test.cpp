// The host-side rule of which precisions a GPU runs (engine/cuda_precision_support), checked
// without a GPU: every compute capability the default build targets, the T4's sm_75 included.
#include <gtest/gtest.h>

#include "engine/cuda_precision_support.hpp"

namespace rerank::engine {
namespace {

TEST(CudaPrecisionSupport, Fp32RunsOnEveryTargetedArchitecture) {
  for (const auto& [major, minor] : {std::pair{7, 5}, {8, 0}, {8, 6}, {8, 9}, {9, 0}, {10, 0}, {12, 0}}) {
    EXPECT_FALSE(cuda_precision_unsupported(Precision::F32, major, minor).has_value()) << major << minor;
  }
}

TEST(CudaPrecisionSupport, Bf16NeedsSm80AndSaysWhatToUseOnAT4) {
  const auto why = cuda_precision_unsupported(Precision::BF16, 7, 5);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("sm_75"), std::string::npos) << *why;
  EXPECT_NE(why->find("--precision fp32"), std::string::npos) << *why;
  for (const auto& [major, minor] : {std::pair{8, 0}, {8, 6}, {8, 9}, {9, 0}, {10, 0}}) {
    EXPECT_FALSE(cuda_precision_unsupported(Precision::BF16, major, minor).has_value()) << major << minor;
  }
}

TEST(CudaPrecisionSupport, Int8IsRefusedEverywhere) {
  for (const auto& [major, minor] : {std::pair{7, 5}, {9, 0}}) {
    const auto why = cuda_precision_unsupported(Precision::Int8, major, minor);
    ASSERT_TRUE(why.has_value());
    EXPECT_NE(why->find("int8"), std::string::npos) << *why;
  }
}

}  // namespace
}  // namespace rerank::engine
