// Unit tests of the hosted-API building blocks: Retry-After parsing, backoff, the token
// bucket, the circuit breaker, token estimates and truncation, request planning,
// response validation, endpoint URLs, status mapping and key redaction.
#include <cmath>

#include <gtest/gtest.h>

#include "rankers/api/api_settings.hpp"
#include "rankers/api/circuit_breaker.hpp"
#include "rankers/api/rate_limiter.hpp"
#include "rankers/api/request_plan.hpp"
#include "rankers/api/response_validation.hpp"
#include "rankers/api/retry_policy.hpp"
#include "rankers/api/status_error.hpp"
#include "rankers/api/token_budget.hpp"
#include "rerank/error.hpp"

namespace rerank::api {
namespace {

using namespace std::chrono_literals;

TEST(ApiRetryAfter, ParsesSecondsAndHttpDates) {
  EXPECT_EQ(parse_retry_after("2"), 2000ms);
  EXPECT_EQ(parse_retry_after("0.25"), 250ms);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(784111777));  // 06 Nov 1994 08:49:37
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now), 3000ms);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:30 GMT", now), 0ms);  // past: now
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("soon"));
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after("5s"));
}

TEST(ApiBackoff, DoublesWithEqualJitterUpToTheCap) {
  RetryPolicy p;
  p.base_delay = 100ms;
  p.max_delay = 1000ms;
  EXPECT_EQ(backoff_delay(p, 1, 0.0), 50ms);
  EXPECT_EQ(backoff_delay(p, 1, 0.999999), 99ms);
  EXPECT_EQ(backoff_delay(p, 2, 0.0), 100ms);
  EXPECT_EQ(backoff_delay(p, 3, 0.5), 300ms);
  EXPECT_EQ(backoff_delay(p, 10, 0.0), 500ms);  // capped at 1000, jitter floor half
  for (int i = 0; i < 100; ++i) {
    const double r = jitter_random();
    EXPECT_GE(r, 0.0);
    EXPECT_LT(r, 1.0);
  }
}

TEST(ApiBackoff, RetryableStatuses) {
  for (long s : {408L, 425L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (long s : {200L, 400L, 401L, 403L, 404L, 413L, 422L, 501L, 505L}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(ApiTokenBucket, PacesAtTheRateAfterTheBurst) {
  const auto t0 = SteadyClock::now();
  TokenBucket bucket(10.0, 2.0);  // 10/s, burst 2
  EXPECT_EQ(bucket.reserve(1, t0), 0ns);
  EXPECT_EQ(bucket.reserve(1, t0), 0ns);
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(1, t0)).count(), 0.1, 1e-9);
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(1, t0)).count(), 0.2, 1e-9);
  // After a long idle the bucket is full again, but never above its capacity.
  const auto later = t0 + 10s;
  EXPECT_EQ(bucket.reserve(1, later), 0ns);
  EXPECT_EQ(bucket.reserve(1, later), 0ns);
  EXPECT_GT(bucket.reserve(1, later), 0ns);
}

TEST(ApiTokenBucket, OversizedRequestWaitsForAFullBucketThenLeavesDebt) {
  const auto t0 = SteadyClock::now();
  TokenBucket tokens(100.0, 100.0);  // 6,000 tokens/min
  EXPECT_EQ(tokens.reserve(250, t0), 0ns);  // full bucket: goes, 150 in debt
  EXPECT_NEAR(std::chrono::duration<double>(tokens.reserve(10, t0)).count(), 1.6, 1e-9);
}

TEST(ApiRateLimiter, ZeroRatesDisableIt) {
  RateLimiter off(0, 0);
  EXPECT_FALSE(off.enabled());
  RateLimiter rpm(600, 0);
  EXPECT_TRUE(rpm.enabled());
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rpm.reserve(1e9, t0), 0ns);  // tokens unlimited; burst of 10
  EXPECT_GT(rpm.reserve(1, t0), 0ns);
}

TEST(ApiCircuitBreaker, OpensAfterThresholdAndLetsOneTrialThrough) {
  CircuitBreaker b(2, 1000ms);
  const auto t0 = CircuitBreaker::Clock::now();
  EXPECT_FALSE(b.check(t0));
  b.record_failure(t0);
  EXPECT_FALSE(b.check(t0));
  b.record_failure(t0);
  ASSERT_TRUE(b.check(t0 + 100ms));
  EXPECT_EQ(*b.check(t0 + 100ms), 900ms);
  EXPECT_FALSE(b.check(t0 + 1000ms));        // the trial
  EXPECT_TRUE(b.check(t0 + 1000ms));         // only one at a time
  b.record_failure(t0 + 1100ms);             // trial failed: open again
  EXPECT_TRUE(b.check(t0 + 1500ms));
  EXPECT_FALSE(b.check(t0 + 2100ms));        // next trial
  b.record_success();
  EXPECT_FALSE(b.check(t0 + 2100ms));
  EXPECT_EQ(b.consecutive_failures(), 0);
  CircuitBreaker off(0, 1000ms);
  for (int i = 0; i < 10; ++i) off.record_failure();
  EXPECT_FALSE(off.check());
}

TEST(ApiTokenBudget, EstimatesWordsPunctuationAndCjk) {
  EXPECT_EQ(estimate_tokens(""), 0u);
  EXPECT_EQ(estimate_tokens("   "), 0u);
  EXPECT_EQ(estimate_tokens("the cat"), 2u);
  EXPECT_EQ(estimate_tokens("internationalization"), 5u);  // 20 letters
  EXPECT_EQ(estimate_tokens("hello, world!"), 6u);  // 2 + 1 + 2 + 1
  EXPECT_EQ(estimate_tokens("日本語"), 3u);
  EXPECT_EQ(estimate_tokens("café"), 1u);
}

TEST(ApiTokenBudget, TruncatesAtWordAndCodePointBoundaries) {
  EXPECT_EQ(truncate_to_tokens("one two three four", 10), "one two three four");
  EXPECT_EQ(truncate_to_tokens("one two three four", 2), "one two");
  EXPECT_EQ(truncate_to_tokens("one two three four", 3, true), "three four");  // "three" costs 2
  EXPECT_EQ(truncate_to_tokens("one two three four", 0), "");
  EXPECT_EQ(truncate_to_tokens("日本語のテキスト", 2), "日本");
  EXPECT_EQ(truncate_to_tokens("日本語のテキスト", 2, true), "スト");
  // A long word is cut inside, four code points per token, never mid code point.
  EXPECT_EQ(truncate_to_tokens("ééééééééééé", 2), "éééééééé");
  EXPECT_EQ(truncate_to_tokens("abcdefghijkl", 1, true), "ijkl");
  for (std::size_t budget = 0; budget < 12; ++budget) {
    const std::string text = "Les élèves ont étudié 日本語 et l'anglais, avec succès!";
    EXPECT_LE(estimate_tokens(truncate_to_tokens(text, budget)), budget);
    EXPECT_LE(estimate_tokens(truncate_to_tokens(text, budget, true)), budget);
  }
}

TEST(ApiRequestPlan, SplitsByDocumentsAndTokens) {
  std::vector<std::size_t> tokens(2500, 3);
  auto parts = plan_requests(tokens, 1, 1000, 0);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].begin, 0u);
  EXPECT_EQ(parts[0].end, 1000u);
  EXPECT_EQ(parts[2].begin, 2000u);
  EXPECT_EQ(parts[2].end, 2500u);
  EXPECT_EQ(parts[2].estimated_tokens, 500u * 4);

  parts = plan_requests({5, 5, 50, 5}, 0, 100, 12);
  ASSERT_EQ(parts.size(), 3u);  // [5,5] [50] (alone, over the cap) [5]
  EXPECT_EQ(parts[1].begin, 2u);
  EXPECT_EQ(parts[1].end, 3u);
  EXPECT_TRUE(plan_requests({}, 1, 10, 0).empty());
}

TEST(ApiValidation, ReordersAndRejectsBadResults) {
  auto scores = scores_in_input_order({{2, 0.5}, {0, 0.9}, {1, -1.0}}, 3, "X");
  EXPECT_EQ(scores, (std::vector<double>{0.9, -1.0, 0.5}));
  auto code = [](const std::vector<ScoredIndex>& r, std::size_t n) {
    try {
      scores_in_input_order(r, n, "X");
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::Internal;
  };
  EXPECT_EQ(code({{3, 0.1}, {0, 0.1}, {1, 0.1}}, 3), ErrorCode::Network);
  EXPECT_EQ(code({{-1, 0.1}}, 1), ErrorCode::Network);
  EXPECT_EQ(code({{0, 0.1}, {0, 0.2}}, 2), ErrorCode::Network);
  EXPECT_EQ(code({{0, 0.1}}, 2), ErrorCode::Network);
  EXPECT_EQ(code({{0, std::nan("")}}, 1), ErrorCode::Network);
  EXPECT_EQ(code({{0, INFINITY}}, 1), ErrorCode::Network);
  EXPECT_THROW(parse_response_json("{\"results\": [", "X"), Error);
}

TEST(ApiSettings, EndpointUrlsAndRedaction) {
  EXPECT_EQ(endpoint_url("https://api.cohere.com", "/v2/rerank"), "https://api.cohere.com/v2/rerank");
  EXPECT_EQ(endpoint_url("https://api.cohere.com/", "/v2/rerank"), "https://api.cohere.com/v2/rerank");
  EXPECT_EQ(endpoint_url("https://proxy/v2/rerank", "/v2/rerank"), "https://proxy/v2/rerank");
  EXPECT_EQ(endpoint_url("https://gateway/cohere", "/v2/rerank"), "https://gateway/cohere/v2/rerank");
  EXPECT_EQ(redact("key abc and abc", "abc"), "key *** and ***");
  EXPECT_EQ(redact("nothing", ""), "nothing");
}

// A Cohere spec with a key: what resolve_api_settings needs and nothing more.
ModelSource cohere_source() {
  ModelSource source;
  source.type = "cohere";
  source.model = "rerank-v3.5";
  return source;
}

TEST(ApiSettings, ParamsAreValidated) {
  auto dialect = make_dialect("cohere");
  const ModelSource source = cohere_source();
  LoadOptions options;
  options.api_key = "k";
  options.params = {{"rpm", "600"}, {"timeout", "2.5"}, {"retries", "0"}};
  ApiSettings s = resolve_api_settings(*dialect, source, options);
  EXPECT_EQ(s.url, "https://api.cohere.com/v2/rerank");
  EXPECT_EQ(s.requests_per_minute, 600);
  EXPECT_EQ(s.timeout, 2500ms);
  EXPECT_EQ(s.retry.max_attempts, 1);
  EXPECT_EQ(s.max_documents, 1000u);
  options.params = {{"rpm", "fast"}};
  EXPECT_THROW(resolve_api_settings(*dialect, source, options), Error);
  options.params = {{"raw_scores", "maybe"}};
  EXPECT_THROW(resolve_api_settings(*dialect, source, options), Error);
}

TEST(ApiSettings, BaseUrlFromTheEnvironmentSitsBelowEndpoint) {
  auto dialect = make_dialect("cohere");
  const ModelSource source = cohere_source();
  LoadOptions options;
  options.api_key = "k";
  EXPECT_EQ(base_url_variable("cohere"), "RERANK_COHERE_BASE_URL");
  EXPECT_EQ(base_url_variable("mixedbread.ai"), "RERANK_MIXEDBREAD_AI_BASE_URL");
  ::setenv("RERANK_COHERE_BASE_URL", "http://127.0.0.1:9/gateway", 1);
  EXPECT_EQ(resolve_api_settings(*dialect, source, options).url, "http://127.0.0.1:9/gateway/v2/rerank");
  options.endpoint = "http://127.0.0.1:10";
  EXPECT_EQ(resolve_api_settings(*dialect, source, options).url, "http://127.0.0.1:10/v2/rerank");
  options.endpoint.clear();
  ::setenv("RERANK_COHERE_BASE_URL", "not a url", 1);
  EXPECT_THROW(resolve_api_settings(*dialect, source, options), Error);
  ::unsetenv("RERANK_COHERE_BASE_URL");
  EXPECT_EQ(resolve_api_settings(*dialect, source, options).url, "https://api.cohere.com/v2/rerank");
}

TEST(ApiStatusErrors, MapToTypedCodes) {
  EXPECT_EQ(error_for_status(401, "", "X", "K").code(), ErrorCode::Unauthorized);
  EXPECT_EQ(error_for_status(403, "", "X", "K").code(), ErrorCode::Unauthorized);
  EXPECT_EQ(error_for_status(400, "", "X", "K").code(), ErrorCode::InvalidInput);
  EXPECT_EQ(error_for_status(422, "", "X", "K").code(), ErrorCode::InvalidInput);
  EXPECT_EQ(error_for_status(404, "", "X", "K").code(), ErrorCode::NotFound);
  EXPECT_EQ(error_for_status(429, "", "X", "K").code(), ErrorCode::Overloaded);
  EXPECT_EQ(error_for_status(503, "", "X", "K").code(), ErrorCode::Overloaded);
  EXPECT_EQ(error_for_status(500, "", "X", "K").code(), ErrorCode::Network);
  EXPECT_EQ(error_for_status(408, "", "X", "K").code(), ErrorCode::Timeout);
  EXPECT_EQ(provider_error_message(R"({"message":"bad model"})"), "bad model");
  EXPECT_EQ(provider_error_message(R"({"detail":"nope"})"), "nope");
  EXPECT_EQ(provider_error_message(R"({"error":{"message":"deep"}})"), "deep");
  EXPECT_EQ(provider_error_message("plain\ntext"), "plain text");
}

}  // namespace
}  // namespace rerank::api
