#include "rankers/api/rate_limiter.hpp"

#include <algorithm>
#include <thread>

namespace rerank::api {

TokenBucket::TokenBucket(double rate_per_second, double capacity)
    : rate_(rate_per_second), capacity_(capacity), level_(capacity), last_(SteadyClock::now()) {}

std::chrono::nanoseconds TokenBucket::reserve(double amount, SteadyClock::time_point now) {
  if (rate_ <= 0) return std::chrono::nanoseconds(0);
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    level_ = std::min(capacity_, level_ + elapsed * rate_);
    last_ = now;
  }
  // A request larger than the bucket waits for a full bucket, then takes all of it plus debt.
  const double needed = std::min(amount, capacity_);
  const double shortfall = needed - level_;
  level_ -= amount;
  if (shortfall <= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<long long>(shortfall / rate_ * 1e9));
}

RateLimiter::RateLimiter(double requests_per_minute, double tokens_per_minute, double burst_seconds)
    : requests_enabled_(requests_per_minute > 0),
      tokens_enabled_(tokens_per_minute > 0),
      requests_(requests_per_minute / 60.0, std::max(1.0, requests_per_minute / 60.0 * burst_seconds)),
      tokens_(tokens_per_minute / 60.0, std::max(1.0, tokens_per_minute / 60.0 * burst_seconds)) {}

std::chrono::nanoseconds RateLimiter::reserve(double tokens, SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::chrono::nanoseconds wait(0);
  if (requests_enabled_) wait = std::max(wait, requests_.reserve(1.0, now));
  if (tokens_enabled_) wait = std::max(wait, tokens_.reserve(tokens, now));
  return wait;
}

void RateLimiter::acquire(double tokens) {
  if (!enabled()) return;
  const auto now = SteadyClock::now();
  const auto wait = reserve(tokens, now);
  if (wait.count() > 0) std::this_thread::sleep_until(now + wait);
}

}  // namespace rerank::api
