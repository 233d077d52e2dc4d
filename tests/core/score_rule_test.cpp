// The one score rule: only logits become sigmoid probabilities (unless raw is asked for);
// ranking is descending, stable on ties, NaN last.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "rerank/score_rule.hpp"

namespace rerank {
namespace {

TEST(ScoreRule, OnlyLogitsAreShownAsProbabilities) {
  EXPECT_DOUBLE_EQ(shown_score(ScoreKind::Logit, 0.0, false), 0.5);
  EXPECT_NEAR(shown_score(ScoreKind::Logit, 2.0, false), 1.0 / (1.0 + std::exp(-2.0)), 1e-15);
  EXPECT_DOUBLE_EQ(shown_score(ScoreKind::Logit, 2.0, true), 2.0);
  for (const ScoreKind kind :
       {ScoreKind::LogProbability, ScoreKind::Bm25, ScoreKind::ApiRelevance, ScoreKind::RankingScore}) {
    EXPECT_DOUBLE_EQ(shown_score(kind, 7.25, false), 7.25) << score_kind_name(kind);
    EXPECT_DOUBLE_EQ(shown_score(kind, -3.5, true), -3.5) << score_kind_name(kind);
  }
  EXPECT_EQ(score_kind_name(ScoreKind::Logit), "logit");
  EXPECT_EQ(score_kind_name(ScoreKind::Bm25), "bm25");
}

TEST(ScoreRule, RankingIsDescendingStableWithNanLast) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> scores = {1.0, nan, 3.0, 1.0, -2.0, nan, 3.0};
  EXPECT_EQ(ranking_order(scores), (std::vector<std::size_t>{2, 6, 0, 3, 4, 1, 5}));
  EXPECT_TRUE(ranking_order(std::vector<double>{}).empty());
}

}  // namespace
}  // namespace rerank
