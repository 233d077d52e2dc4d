#include "rankers/api/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <random>

namespace rerank::api {

bool is_retryable_status(long status) {
  if (status == 408 || status == 425 || status == 429) return true;
  return status >= 500 && status <= 599 && status != 501 && status != 505;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double unit_random) {
  const double base = static_cast<double>(policy.base_delay.count());
  const double cap = static_cast<double>(policy.max_delay.count());
  const double full = std::min(cap, base * std::pow(2.0, std::max(0, attempt - 1)));
  const double r = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(full / 2.0 + r * full / 2.0));
}

double jitter_random() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

namespace {

// timegm without relying on the TZ environment: days-from-civil (Howard Hinnant's formula).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& v) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char wday[4] = {}, mon[4] = {}, zone[4] = {};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (std::sscanf(v.c_str(), "%3s, %d %3s %d %d:%d:%d %3s", wday, &day, mon, &year, &hh, &mm, &ss, zone) != 8) {
    return std::nullopt;
  }
  if (std::string(zone) != "GMT") return std::nullopt;
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (std::string(mon) == months[i]) month = i + 1;
  }
  if (month < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  const long long secs = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                         hh * 3600 + mm * 60 + ss;
  return std::chrono::system_clock::time_point(std::chrono::seconds(secs));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value,
                                                           std::chrono::system_clock::time_point now) {
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value[0]))) {
    try {
      std::size_t used = 0;
      const double secs = std::stod(value, &used);
      if (used != value.size() || !std::isfinite(secs) || secs < 0) return std::nullopt;
      return std::chrono::milliseconds(static_cast<long long>(std::llround(secs * 1000.0)));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (auto when = parse_http_date(value)) {
    const auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(*when - now);
    return std::max(delta, std::chrono::milliseconds(0));
  }
  return std::nullopt;
}

}  // namespace rerank::api
