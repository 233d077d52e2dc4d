// When and how long to wait before retrying a hosted-API request: exponential backoff
// with jitter, and the server's Retry-After when it sends one.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace rerank::api {

struct RetryPolicy {
  int max_attempts = 4;                               // first try included
  std::chrono::milliseconds base_delay{250};          // backoff before the 2nd attempt
  std::chrono::milliseconds max_delay{8000};          // cap of one backoff
  std::chrono::milliseconds max_retry_after{60000};   // longer Retry-After: give up at once
};

// The HTTP statuses worth retrying: 408, 425, 429 and every 5xx except 501/505.
bool is_retryable_status(long status);

// Backoff before attempt `attempt + 1` (attempt counts from 1): base * 2^(attempt-1),
// capped at max_delay, then "equal jitter": uniform in [d/2, d]. `unit_random` is in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double unit_random);

// A uniform number in [0, 1) from a per-thread generator.
double jitter_random();

// Parses a Retry-After value: delta-seconds ("2", "1.5") or an HTTP-date (RFC 9110,
// IMF-fixdate) relative to `now`. nullopt when it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    const std::string& value, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace rerank::api
