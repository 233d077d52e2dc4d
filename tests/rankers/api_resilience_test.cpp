// Fault injection: each fault a hosted API can produce gives the documented behaviour
// (docs/providers.md, "Resilience"): a retry then success, or a typed error after a known
// number of attempts, within a known time.
#include <gtest/gtest.h>

#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/api_test_util.hpp"
#include "support/fake_api_server.hpp"
#include "support/test_support.hpp"

namespace rerank::testing {
namespace {

// backoff=0.05 s, max_backoff=0.2 s: the waits before attempts 2, 3, 4 are in
// [0.025, 0.05], [0.05, 0.1], [0.1, 0.2] seconds ("equal jitter").
//
// Times: lower bounds are exact (a wait that must happen); upper bounds only tell the
// intended behaviour from a distinctly wrong one (a long wait, a timeout served in full)
// and leave seconds of room, since a loaded 2-core host can stall a thread that long.
constexpr const char* kSpec = "cohere:rerank-v3.5";

TEST(ApiResilience, Status429HonoursRetryAfterThenSucceeds) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status429, "1"}});
  auto ranker = load(kSpec, fake_options(server));
  const auto docs = numbered_documents(4);
  Stopwatch watch;
  Scores s = ranker->score_documents("q", docs);
  const double elapsed = watch.seconds();
  EXPECT_EQ(s.values, expected_scores(docs));
  EXPECT_EQ(server.request_count(), 2u);
  EXPECT_GE(elapsed, 1.0);  // waited the full Retry-After, not the 50 ms backoff
  EXPECT_LT(elapsed, 10.0);  // not Retry-After read as minutes
  const auto reqs = server.requests();
  EXPECT_GE(reqs[1].arrival_s - reqs[0].arrival_s, 1.0);  // by the server's clock too
}

TEST(ApiResilience, Status429WithHttpDateRetryAfter) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status429, "Thu, 01 Jan 1970 00:00:00 GMT"}});  // in the past: retry now
  auto ranker = load(kSpec, fake_options(server));
  Stopwatch watch;
  ranker->score_documents("q", numbered_documents(2));
  EXPECT_EQ(server.request_count(), 2u);
  EXPECT_LT(watch.seconds(), 5.0);  // a date in the past is no wait at all
}

TEST(ApiResilience, Status500Then503ThenSuccessWithBackoff) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status500}, {Fault::Status503}});
  auto ranker = load(kSpec, fake_options(server));
  const auto docs = numbered_documents(3);
  Stopwatch watch;
  Scores s = ranker->score_documents("q", docs);
  const double elapsed = watch.seconds();
  EXPECT_EQ(s.values, expected_scores(docs));
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_GE(elapsed, 0.075);  // 0.025 + 0.05 at least
  EXPECT_LT(elapsed, 5.0);    // at most 0.15 s of backoff: not unbounded growth
}

TEST(ApiResilience, PersistentOverloadIsOverloadedAfterAllAttempts) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status503}, {Fault::Status503}, {Fault::Status503}, {Fault::Status503}});
  auto ranker = load(kSpec, fake_options(server, {{"retries", "3"}}));
  Stopwatch watch;
  std::string message;
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", numbered_documents(2)); }, &message), ErrorCode::Overloaded);
  const double elapsed = watch.seconds();
  EXPECT_EQ(server.request_count(), 4u);
  EXPECT_GE(elapsed, 0.175);  // 0.025 + 0.05 + 0.1
  EXPECT_LT(elapsed, 5.0);    // at most 0.35 s of backoff
  EXPECT_NE(message.find("attempt 4 of 4"), std::string::npos) << message;
  EXPECT_NE(message.find("HTTP 503"), std::string::npos) << message;
}

TEST(ApiResilience, PersistentServerErrorIsNetworkAfterAllAttempts) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status500}, {Fault::Status500}, {Fault::Status500}});
  auto ranker = load(kSpec, fake_options(server, {{"retries", "2"}}));
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", numbered_documents(2)); }), ErrorCode::Network);
  EXPECT_EQ(server.request_count(), 3u);
}

TEST(ApiResilience, RetryAfterBeyondTheLimitGivesUpAtOnce) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status429, "120"}});
  auto ranker = load(kSpec, fake_options(server));  // max_retry_after defaults to 60 s
  Stopwatch watch;
  std::string message;
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", numbered_documents(2)); }, &message), ErrorCode::Overloaded);
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_LT(watch.seconds(), 10.0);  // gave up at once, not after the 120 s
  EXPECT_NE(message.find("max_retry_after"), std::string::npos) << message;
}

struct InvalidBodyCase {
  Fault fault;
  std::string expect_in_message;
};

class ApiInvalidResponses : public ::testing::TestWithParam<InvalidBodyCase> {};

TEST_P(ApiInvalidResponses, AreTypedNetworkErrorsWithoutRetry) {
  FakeApiServer server("cohere");
  server.push_faults({{GetParam().fault}});
  auto ranker = load(kSpec, fake_options(server));
  std::string message;
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", numbered_documents(5)); }, &message), ErrorCode::Network);
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_NE(message.find("invalid response from Cohere"), std::string::npos) << message;
  EXPECT_NE(message.find(GetParam().expect_in_message), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(Faults, ApiInvalidResponses,
                         ::testing::Values(InvalidBodyCase{Fault::MalformedJson, "malformed JSON"},
                                           InvalidBodyCase{Fault::WrongIndex, "index 10 is out of range"},
                                           InvalidBodyCase{Fault::DuplicateIndex, "scored twice"},
                                           InvalidBodyCase{Fault::MissingResult, "4 scores for 5 documents"},
                                           InvalidBodyCase{Fault::NaNLiteral, "NaN"},
                                           InvalidBodyCase{Fault::NullScore, "no numeric 'relevance_score'"}));

TEST(ApiResilience, SlowBodyBeyondTheTimeoutIsRetriedThenTimeout) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::SlowBody, "", 3000}, {Fault::SlowBody, "", 3000}});
  auto ranker = load(kSpec, fake_options(server, {{"timeout", "0.3"}, {"retries", "1"}}));
  Stopwatch watch;
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", numbered_documents(3)); }), ErrorCode::Timeout);
  const double elapsed = watch.seconds();
  EXPECT_EQ(server.request_count(), 2u);
  EXPECT_GE(elapsed, 0.6);  // two 0.3 s timeouts
  // Never waited for a 3 s body: by the server's clock the retry came before the first body
  // would have ended, and the whole call took less than one body.
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_LT(reqs[1].arrival_s - reqs[0].arrival_s, 3.0);
  EXPECT_LT(elapsed, 3.0);
}

TEST(ApiResilience, SlowBodyOnceThenSuccess) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::SlowBody, "", 3000}});
  auto ranker = load(kSpec, fake_options(server, {{"timeout", "0.3"}}));
  const auto docs = numbered_documents(3);
  Stopwatch watch;
  EXPECT_EQ(ranker->score_documents("q", docs).values, expected_scores(docs));
  EXPECT_EQ(server.request_count(), 2u);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_LT(reqs[1].arrival_s - reqs[0].arrival_s, 3.0);  // retried before the slow body ended
}

TEST(ApiResilience, DroppedConnectionIsRetriedThenSucceeds) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::DropConnection}});
  auto ranker = load(kSpec, fake_options(server));
  const auto docs = numbered_documents(3);
  EXPECT_EQ(ranker->score_documents("q", docs).values, expected_scores(docs));
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(ApiResilience, DroppedConnectionsEveryTimeIsNetworkError) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::DropConnection}, {Fault::DropConnection}, {Fault::DropConnection}});
  auto ranker = load(kSpec, fake_options(server, {{"retries", "2"}}));
  std::string message;
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", numbered_documents(3)); }, &message), ErrorCode::Network);
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_NE(message.find("attempt 3 of 3"), std::string::npos) << message;
}

TEST(ApiResilience, ConnectionRefusedIsRetriedThenNetworkError) {
  std::string url;
  {
    FakeApiServer gone("cohere");
    url = gone.url();
  }  // closed: nothing listens on the port now
  LoadOptions options;
  options.endpoint = url;
  options.api_key = "k";
  options.params = {{"backoff", "0.1"}, {"retries", "2"}, {"connect_timeout", "1"}};
  auto ranker = load(kSpec, options);
  Stopwatch watch;
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", numbered_documents(2)); }), ErrorCode::Network);
  const double elapsed = watch.seconds();
  EXPECT_GE(elapsed, 0.15);  // backoffs 0.05..0.1 + 0.1..0.2: proves two retries happened
  EXPECT_LT(elapsed, 2.9);   // refused at once: not three 1 s connect timeouts
}

TEST(ApiResilience, CircuitBreakerOpensFailsFastThenRecovers) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status500}, {Fault::Status500}});
  auto ranker = load(kSpec, fake_options(server, {{"retries", "0"}, {"breaker_failures", "2"},
                                                  {"breaker_cooldown", "0.4"}}));
  const auto docs = numbered_documents(2);
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", docs); }), ErrorCode::Network);
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", docs); }), ErrorCode::Network);
  EXPECT_EQ(server.request_count(), 2u);

  Stopwatch watch;
  std::string message;
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", docs); }, &message), ErrorCode::Overloaded);
  EXPECT_LT(watch.seconds(), 0.35);       // failed fast: did not wait out the 0.4 s cooldown
  EXPECT_EQ(server.request_count(), 2u);  // open: the server was not called
  EXPECT_NE(message.find("circuit breaker is open"), std::string::npos) << message;

  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  EXPECT_EQ(ranker->score_documents("q", docs).values, expected_scores(docs));  // half-open trial succeeds
  EXPECT_EQ(ranker->score_documents("q", docs).values, expected_scores(docs));  // closed again
  EXPECT_EQ(server.request_count(), 4u);
}

TEST(ApiResilience, TruncatesEachDocumentToTheTokenBudget) {
  FakeApiServer server("jina");
  auto ranker = load("jina:jina-reranker-v2-base-multilingual", fake_options(server));
  std::vector<Document> docs = {{"a", "short text"},
                                {"b", "one two three four five six seven eight nine ten eleven twelve"}};
  ScoreOptions so;
  so.max_tokens_per_doc = 4;
  Scores s = ranker->score_documents("q", docs, so);
  const auto sent = server.requests().at(0).body["documents"];
  EXPECT_EQ(sent[0], "short text");
  EXPECT_EQ(sent[1], "one two three");  // 1 + 1 + 2 tokens ("three" has 5 letters)
  EXPECT_EQ(s.values[1], fake_score("one two three"));

  so.truncate = false;
  EXPECT_EQ(code_of([&] { ranker->score_documents("q", docs, so); }), ErrorCode::InvalidInput);
  EXPECT_EQ(server.request_count(), 1u);  // refused before sending
}

}  // namespace
}  // namespace rerank::testing
