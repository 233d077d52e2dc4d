#include "rankers/api/circuit_breaker.hpp"

namespace rerank::api {

CircuitBreaker::CircuitBreaker(int failure_threshold, std::chrono::milliseconds cooldown)
    : threshold_(failure_threshold), cooldown_(cooldown) {}

std::optional<std::chrono::milliseconds> CircuitBreaker::check(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (threshold_ <= 0 || !open_) return std::nullopt;
  const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(now - opened_at_);
  if (since >= cooldown_ && !trial_in_flight_) {
    trial_in_flight_ = true;  // half-open: exactly one caller probes the endpoint
    return std::nullopt;
  }
  return since >= cooldown_ ? std::chrono::milliseconds(0) : cooldown_ - since;
}

void CircuitBreaker::record_success() {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_ = 0;
  open_ = false;
  trial_in_flight_ = false;
}

void CircuitBreaker::record_failure(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++failures_;
  if (threshold_ > 0 && (failures_ >= threshold_ || trial_in_flight_)) {
    open_ = true;
    opened_at_ = now;
  }
  trial_in_flight_ = false;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_;
}

}  // namespace rerank::api
