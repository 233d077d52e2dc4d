// Client-side rate limiting of hosted-API calls: requests per minute and tokens per
// minute, each a token bucket. Callers reserve before sending and sleep for the returned
// wait, so concurrent callers queue fairly in reservation order (no thundering herd).
#pragma once

#include <chrono>
#include <mutex>

namespace rerank::api {

using SteadyClock = std::chrono::steady_clock;

// A bucket refilled at `rate_per_second` up to `capacity`. reserve() takes `amount` at
// once, possibly going into debt, and returns how long the caller must wait until the
// bucket would have held it. An amount above the capacity is allowed (one large request):
// it waits for a full bucket and leaves the debt to the callers after it.
class TokenBucket {
 public:
  TokenBucket(double rate_per_second, double capacity);
  std::chrono::nanoseconds reserve(double amount, SteadyClock::time_point now);

 private:
  double rate_;
  double capacity_;
  double level_;
  SteadyClock::time_point last_;
};

// Thread-safe. A rate of 0 disables that limit.
class RateLimiter {
 public:
  // `burst_seconds`: how many seconds of rate may go out at once after idling (the bucket
  // capacity); at least one request always fits.
  RateLimiter(double requests_per_minute, double tokens_per_minute, double burst_seconds = 1.0);

  // Blocks until one request carrying `tokens` may be sent.
  void acquire(double tokens);
  // The wait acquire() would sleep, after reserving (for callers that sleep themselves).
  std::chrono::nanoseconds reserve(double tokens, SteadyClock::time_point now);

  bool enabled() const { return requests_enabled_ || tokens_enabled_; }

 private:
  std::mutex mutex_;
  bool requests_enabled_;
  bool tokens_enabled_;
  TokenBucket requests_;
  TokenBucket tokens_;
};

}  // namespace rerank::api
