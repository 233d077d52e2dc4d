#include "serve/score_rule.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "rerank/error.hpp"
#include "rerank/score_rule.hpp"

namespace rerank::serve {

namespace {
// The ranker's token count: a provider's or a model's real count, else a hosted API
// ranker's own estimate (rankers/api/token_budget.hpp), else the scheduler's prepared count.
std::size_t reported_tokens(const nlohmann::json& usage, std::size_t fallback) {
  if (!usage.is_object()) return fallback;
  for (const char* key : {"total_tokens", "prompt_tokens", "tokens", "input_tokens", "estimated_tokens"}) {
    const auto it = usage.find(key);
    if (it != usage.end() && it->is_number_unsigned()) return it->get<std::size_t>();
  }
  return fallback;
}
}  // namespace

RerankOutcome make_outcome(const RerankCall& call, const Scores& scores, ScoreKind kind, bool raw_scores,
                           std::size_t estimated_tokens, std::string model_name) {
  if (scores.values.size() != call.documents.size()) {
    throw Error(ErrorCode::Internal, "the ranker returned " + std::to_string(scores.values.size()) +
                                         " scores for " + std::to_string(call.documents.size()) + " documents");
  }
  RerankOutcome out;
  out.id = new_request_id();
  out.model = std::move(model_name);
  out.tokens = reported_tokens(scores.usage, estimated_tokens);
  out.scores.reserve(scores.values.size());
  for (const double raw : scores.values) {
    if (!std::isfinite(raw)) throw Error(ErrorCode::Backend, "the ranker produced a non-finite score");
    out.scores.push_back(shown_score(kind, raw, raw_scores || call.raw_scores));
  }
  out.order = ranking_order(out.scores);
  if (call.top_n && *call.top_n < out.order.size()) out.order.resize(*call.top_n);
  return out;
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t hi = rng();
  const std::uint64_t lo = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0x0fff),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

}  // namespace rerank::serve
