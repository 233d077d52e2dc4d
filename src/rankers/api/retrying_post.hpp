// One JSON POST to a hosted service with the hosted-API layer's rules, for every client of
// such a service (the rerank APIs' dialects, the chat-completions client of listwise
// rerankers): the rate limiter is charged per attempt, transport failures and retryable
// statuses (408, 425, 429, 5xx) are retried with backoff or the server's Retry-After, other
// statuses become their typed error, and the key never appears in a message.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "io/http_client.hpp"
#include "rankers/api/rate_limiter.hpp"
#include "rankers/api/retry_policy.hpp"

namespace rerank::api {

// A service's answer is kept up to this size; a longer one is cut, fails to parse and is
// refused as malformed (scores of 10,000 documents take well under 1 MiB).
inline constexpr std::size_t kMaxResponseBytes = 64u << 20;

struct PostTarget {
  std::string display_name;  // "Cohere", "OpenAI-compatible chat endpoint"
  std::string api_key;       // redacted from every message
  std::string key_hint;      // how to give a key: "COHERE_API_KEY or --api-key"
};

// "2.5 s", for messages about waits.
std::string seconds_text(std::chrono::milliseconds ms);

// The 2xx response to `http` (a POST), after up to retry.max_attempts attempts. Throws the
// last failure's typed Error (Network, Timeout, Overloaded, Unauthorized, InvalidInput, ...).
io::HttpResponse post_retrying(const io::HttpRequest& http, const PostTarget& target, const RetryPolicy& retry,
                               RateLimiter& limiter, double estimated_tokens);

}  // namespace rerank::api
