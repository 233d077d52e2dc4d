// A Ranker backed by a hosted reranking API (or a self-hosted server speaking one):
// client-side truncation, splitting into the provider's limits, a rate limiter, retries
// with backoff honouring Retry-After, a circuit breaker, and validation of every
// response. Scores pass through unchanged (ScoreKind::ApiRelevance); provider-reported
// usage is summed into Scores::usage.
#pragma once

#include <memory>

#include "rankers/registry.hpp"
#include "rankers/api/api_settings.hpp"
#include "rankers/api/circuit_breaker.hpp"
#include "rankers/api/dialect.hpp"
#include "rankers/api/rate_limiter.hpp"

namespace rerank::api {

// Thread-safe: the limiter and breaker are shared by all callers; each call's requests
// are independent.
class ApiRanker final : public Ranker {
 public:
  ApiRanker(RankerInfo info, std::unique_ptr<Dialect> dialect, ApiSettings settings);

  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view query, std::span<const Document> documents,
                         const ScoreOptions& options = {}) const override;

  const ApiSettings& settings() const { return settings_; }

 private:
  // One part: rate limit, POST with retries, parse, validate. Returns scores in order.
  std::vector<double> send_part(const DialectRequest& request, std::size_t estimated_tokens,
                                nlohmann::json& usage) const;

  RankerInfo info_;
  std::unique_ptr<Dialect> dialect_;
  ApiSettings settings_;
  mutable RateLimiter limiter_;
  mutable CircuitBreaker breaker_;
};

// Registry factory for a provider type ("cohere", "tei", ...).
std::unique_ptr<Ranker> make_api_ranker(const ModelSource& source, const LoadOptions& options);

}  // namespace rerank::api
