// The project's one score rule (docs/scores.md): what kind of raw score a ranker returns,
// what each front end shows for it, and how scores rank documents. The core, the CLI, the
// server, eval and the Python package all call these functions; none writes its own.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace rerank {

// The kind of raw score a ranker returns.
enum class ScoreKind {
  Logit,           // a log-odds: sigmoid(raw) is a probability (cross-encoders; l_yes - l_no of
                   // LLM rerankers; l_true - l_false of monoT5)
  LogProbability,  // log P(relevant), <= 0 (monoT5 scored as pygaggle does)
  Bm25,            // an Okapi BM25 score, >= 0, unbounded
  ApiRelevance,    // what a hosted API or remote server returned, as it returned it
  RankingScore,    // a score only its order means (RankT5's single logit)
};

// "logit", "log_probability", "bm25", "api_relevance", "ranking_score".
std::string_view score_kind_name(ScoreKind kind);

// What a front end shows for `raw`: sigmoid(raw) for a logit unless raw scores were asked
// for; every other kind exactly as the ranker returned it (a sigmoid of a BM25 score or an
// API's relevance would be a number no reference produces).
double shown_score(ScoreKind kind, double raw, bool raw_requested);

// Document indices from best to worst: scores descending, ties in input order (a stable
// sort), NaN scores last.
std::vector<std::size_t> ranking_order(std::span<const double> scores);

}  // namespace rerank
