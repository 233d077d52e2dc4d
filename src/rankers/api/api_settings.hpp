// Everything an ApiRanker needs besides its dialect, resolved once at load time from the
// spec, --endpoint, --api-key / the provider's environment variable and --param values:
//   timeout=60 connect_timeout=5 (seconds)      retries=3 backoff=0.25 max_backoff=8
//   max_retry_after=60 (seconds; longer: give up, let a fallback run)
//   rpm=0 tpm=0 burst=1 (0 = no client-side limit; burst in seconds of rate)
//   breaker_failures=5 breaker_cooldown=30      max_documents=<provider limit>
//   max_request_tokens=0 (0 = no cap)           concurrency=4 (parts sent in parallel)
//   model=NAME (servers: tei/llamacpp/rerank)   raw_scores=false (tei, rerank serve)
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "rankers/registry.hpp"
#include "rankers/api/dialect.hpp"
#include "rankers/api/retry_policy.hpp"

namespace rerank::api {

struct ApiSettings {
  std::string url;      // the full endpoint URL requests go to
  std::string api_key;  // secret: never logged, never in messages
  std::string model;    // sent as the request's model; may be empty for servers
  RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{60000};
  double requests_per_minute = 0;
  double tokens_per_minute = 0;
  double burst_seconds = 1.0;
  int breaker_failures = 5;
  std::chrono::milliseconds breaker_cooldown{30000};
  std::size_t max_documents = 1000;
  std::size_t max_request_tokens = 0;
  std::size_t concurrency = 4;
  bool raw_scores = false;
};

// Throws Error(InvalidArgument) for a bad --param value or endpoint URL and
// Error(Unauthorized) when a provider needs a key and none is given.
ApiSettings resolve_api_settings(const Dialect& dialect, const ModelSource& source, const LoadOptions& options);

// The request URL for a base URL: used as given when its path already ends with the
// dialect's path ("/v2/rerank"), else the dialect's path is appended.
std::string endpoint_url(const std::string& base, const std::string& dialect_path);

// True for an http:// or https:// URL.
bool is_http_url(const std::string& url);

// --param values of hosted-service rankers: a number in [lo, hi], seconds (as milliseconds),
// a boolean; `fallback` when absent; Error(InvalidArgument) naming the key otherwise.
double number_param(const LoadOptions& options, const std::string& key, double fallback, double lo, double hi);
std::chrono::milliseconds seconds_param(const LoadOptions& options, const std::string& key, double fallback,
                                        double lo, double hi);
bool bool_param(const LoadOptions& options, const std::string& key, bool fallback);

// The environment variable that replaces a provider's default base URL (below --endpoint):
// RERANK_COHERE_BASE_URL, RERANK_JINA_BASE_URL, ... (the provider name upper-cased).
std::string base_url_variable(std::string_view provider);

// `text` with every occurrence of `secret` replaced by "***" (secret empty: unchanged).
std::string redact(std::string text, const std::string& secret);

}  // namespace rerank::api
