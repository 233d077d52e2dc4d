#include "rerank/score_rule.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rerank {

std::string_view score_kind_name(ScoreKind kind) {
  switch (kind) {
    case ScoreKind::Logit: return "logit";
    case ScoreKind::LogProbability: return "log_probability";
    case ScoreKind::Bm25: return "bm25";
    case ScoreKind::ApiRelevance: return "api_relevance";
    case ScoreKind::RankingScore: return "ranking_score";
  }
  return "unknown";
}

double shown_score(ScoreKind kind, double raw, bool raw_requested) {
  if (kind != ScoreKind::Logit || raw_requested) return raw;
  return 1.0 / (1.0 + std::exp(-raw));
}

std::vector<std::size_t> ranking_order(std::span<const double> scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // NaN compares false with everything, which would break strict weak ordering: rank it last.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const bool a_nan = std::isnan(scores[a]), b_nan = std::isnan(scores[b]);
    if (a_nan || b_nan) return !a_nan && b_nan;
    return scores[a] > scores[b];
  });
  return order;
}

}  // namespace rerank
