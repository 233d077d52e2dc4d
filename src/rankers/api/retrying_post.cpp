#include "rankers/api/retrying_post.hpp"

#include <cstdio>
#include <optional>
#include <thread>

#include "rankers/api/api_settings.hpp"
#include "rankers/api/response_validation.hpp"
#include "rankers/api/status_error.hpp"
#include "rerank/error.hpp"

namespace rerank::api {

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

io::HttpResponse post_retrying(const io::HttpRequest& http, const PostTarget& target, const RetryPolicy& retry,
                               RateLimiter& limiter, double estimated_tokens) {
  const auto context = [&](int attempt) {
    return target.display_name + " (" + io::url_origin(http.url) + "), attempt " + std::to_string(attempt) + " of " +
           std::to_string(retry.max_attempts);
  };
  for (int attempt = 1;; ++attempt) {
    // Every attempt counts against the provider's limits, retries included.
    limiter.acquire(estimated_tokens);

    std::optional<Error> failure;
    std::optional<std::chrono::milliseconds> retry_after;
    try {
      io::HttpResponse response = io::http_fetch(http, kMaxResponseBytes);
      if (response.status >= 200 && response.status < 300) return response;
      Error error = error_for_status(response.status, redact(response.body, target.api_key), context(attempt),
                                     target.key_hint);
      if (!is_retryable_status(response.status)) throw error;
      if (const std::optional<std::string> value = response.header("Retry-After")) {
        retry_after = parse_retry_after(*value);
      }
      failure = error;
    } catch (const io::TransportError& e) {
      failure = redacted(Error(e.code(), target.display_name + ": " + e.what() + " (attempt " +
                                             std::to_string(attempt) + " of " + std::to_string(retry.max_attempts) +
                                             ")"),
                         target.api_key);
    }

    if (attempt >= retry.max_attempts) throw *failure;
    if (retry_after && *retry_after > retry.max_retry_after) {
      throw Error(ErrorCode::Overloaded, std::string(failure->what()) + "; the server asks to retry after " +
                                             seconds_text(*retry_after) + ", more than max_retry_after (" +
                                             seconds_text(retry.max_retry_after) + "): giving up");
    }
    const auto delay = retry_after ? *retry_after : backoff_delay(retry, attempt, jitter_random());
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace rerank::api
