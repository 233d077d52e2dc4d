// The project's one score rule, applied once for every dialect: model logits go through a
// sigmoid unless raw scores were asked for (raw_scores:true or --raw-scores); BM25 and API
// scores are passed through unchanged. Then sort (ties keep input order) and cut to top_n.
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
