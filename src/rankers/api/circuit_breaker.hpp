// A circuit breaker per hosted endpoint: after `failure_threshold` consecutive failed calls
// it opens and calls fail at once (so a fallback chain moves on without waiting for
// timeouts); after `cooldown` one trial call is let through (half-open); its success
// closes the circuit, its failure opens it again.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

namespace rerank::api {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  // threshold 0 disables the breaker.
  CircuitBreaker(int failure_threshold, std::chrono::milliseconds cooldown);

  // nullopt when a call may go ahead; else how long until the next trial call.
  std::optional<std::chrono::milliseconds> check(Clock::time_point now = Clock::now());
  void record_success();
  void record_failure(Clock::time_point now = Clock::now());

  int consecutive_failures() const;

 private:
  mutable std::mutex mutex_;
  int threshold_;
  std::chrono::milliseconds cooldown_;
  int failures_ = 0;
  bool open_ = false;
  bool trial_in_flight_ = false;
  Clock::time_point opened_at_{};
};

}  // namespace rerank::api
