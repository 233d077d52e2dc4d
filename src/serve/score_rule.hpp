// A rerank response's scores, for every dialect: the one score rule (rerank/score_rule.hpp:
// sigmoid of logits unless raw_scores:true or --raw-scores; other kinds unchanged; ranked
// with ties in input order), cut to top_n.
#pragma once

#include <string>

#include "rerank/ranker.hpp"
#include "serve/rerank_call.hpp"

namespace rerank::serve {

// `estimated_tokens` is used when the ranker reports no token usage.
// Throws Error(Backend) when the ranker produced a non-finite score.
RerankOutcome make_outcome(const RerankCall& call, const Scores& scores, ScoreKind kind, bool raw_scores,
                           std::size_t estimated_tokens, std::string model_name);

// A fresh random request id (UUID v4 text).
std::string new_request_id();

}  // namespace rerank::serve
