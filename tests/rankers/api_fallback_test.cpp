// Fallback chains (--fallback): the result says which ranker produced it and why the
// earlier ones were skipped.
#include <cstdlib>

#include <gtest/gtest.h>

#include "rankers/fallback_ranker.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/api_test_util.hpp"
#include "support/fake_api_server.hpp"

namespace rerank::testing {
namespace {

TEST(ApiFallback, FailingProviderFallsBackToBm25WithTheReason) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status503}, {Fault::Status503}, {Fault::Status503}, {Fault::Status503}});
  LoadOptions options = fake_options(server, {{"retries", "1"}});
  options.fallbacks = {"bm25"};
  auto ranker = load("cohere:rerank-v3.5", options);
  EXPECT_EQ(ranker->info().type, "fallback");
  EXPECT_EQ(ranker->info().spec, "cohere:rerank-v3.5 -> bm25");

  std::vector<Document> docs = {{"1", "cats purr softly"}, {"2", "dogs bark at cats"}, {"3", "fish swim"}};
  Stopwatch watch;
  RankedResults ranked = ranker->rank("cats", docs);
  EXPECT_LT(watch.seconds(), 5.0);  // two attempts and a 0.05 s backoff, not a long wait (loose: loaded host)
  EXPECT_EQ(server.request_count(), 2u);
  EXPECT_EQ(ranked.ranker, "bm25");
  ASSERT_EQ(ranked.skipped.size(), 1u);
  EXPECT_EQ(ranked.skipped[0].spec, "cohere:rerank-v3.5");
  EXPECT_NE(ranked.skipped[0].reason.find("[overloaded]"), std::string::npos) << ranked.skipped[0].reason;
  EXPECT_NE(ranked.skipped[0].reason.find("HTTP 503"), std::string::npos) << ranked.skipped[0].reason;

  // Same scores as BM25 alone.
  auto bm25 = load("bm25");
  EXPECT_EQ(ranker->score_documents("cats", docs).values, bm25->score_documents("cats", docs).values);
  // to_json carries the provenance to `rerank rank --format json`.
  const auto json = ranked.to_json();
  EXPECT_EQ(json["ranker"], "bm25");
  EXPECT_EQ(json["skipped"][0]["spec"], "cohere:rerank-v3.5");
}

TEST(ApiFallback, HealthyProviderIsUsedAndNothingIsSkipped) {
  FakeApiServer server("cohere");
  LoadOptions options = fake_options(server);
  options.fallbacks = {"bm25"};
  auto ranker = load("cohere:rerank-v3.5", options);
  const auto docs = numbered_documents(3);
  Scores s = ranker->score_documents("q", docs);
  EXPECT_EQ(s.ranker, "cohere:rerank-v3.5");
  EXPECT_TRUE(s.skipped.empty());
  EXPECT_EQ(s.values, expected_scores(docs));
  EXPECT_EQ(s.usage["search_units"], 1);
}

TEST(ApiFallback, ThreeLinkChainSkipsAMissingKeyAndATimeout) {
  ::unsetenv("COHERE_API_KEY");
  FakeApiServer tei("tei", "");
  tei.push_faults({{Fault::SlowBody, "", 3000}, {Fault::SlowBody, "", 3000}});
  LoadOptions options;
  options.params = {{"1.timeout", "0.2"}, {"1.retries", "1"}, {"1.backoff", "0.05"}};  // for link 1 (tei)
  options.fallbacks = {"tei:" + tei.url(), "bm25"};
  auto ranker = load("cohere:rerank-v3.5", options);  // no key: skipped at load, not an error

  std::vector<Document> docs = {{"a", "alpha beta"}, {"b", "beta gamma"}};
  Stopwatch watch;
  Scores s = ranker->score_documents("beta", docs);
  // Never waited for a 3 s body: by the server's clock the retry came before the first body
  // would have ended, and the whole call took less than one body.
  const auto reqs = tei.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_LT(reqs[1].arrival_s - reqs[0].arrival_s, 3.0);
  EXPECT_LT(watch.seconds(), 3.0);
  EXPECT_EQ(s.ranker, "bm25");
  ASSERT_EQ(s.skipped.size(), 2u);
  EXPECT_EQ(s.skipped[0].spec, "cohere:rerank-v3.5");
  EXPECT_NE(s.skipped[0].reason.find("[unauthorized] no API key for Cohere"), std::string::npos)
      << s.skipped[0].reason;
  EXPECT_EQ(s.skipped[1].spec, "tei:" + tei.url());
  EXPECT_NE(s.skipped[1].reason.find("[timeout]"), std::string::npos) << s.skipped[1].reason;
  EXPECT_EQ(tei.request_count(), 2u);
}

TEST(ApiFallback, OpenCircuitSkipsWithoutWaiting) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status500}});
  LoadOptions options = fake_options(server, {{"retries", "0"}, {"breaker_failures", "1"}, {"breaker_cooldown", "60"}});
  options.fallbacks = {"bm25"};
  auto ranker = load("cohere:rerank-v3.5", options);
  const auto docs = numbered_documents(2);
  EXPECT_EQ(ranker->score_documents("q", docs).ranker, "bm25");  // 500 -> breaker opens
  Scores s = ranker->score_documents("q", docs);
  EXPECT_EQ(s.ranker, "bm25");
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_NE(s.skipped[0].reason.find("circuit breaker is open"), std::string::npos) << s.skipped[0].reason;
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(ApiFallback, EveryLinkFailingIsAnErrorListingAllReasons) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status500}});
  FakeApiServer tei("tei", "");
  tei.push_faults({{Fault::MalformedJson}});
  LoadOptions options = fake_options(server, {{"retries", "0"}});
  options.fallbacks = {"tei:" + tei.url()};
  auto ranker = load("cohere:rerank-v3.5", options);
  try {
    ranker->score_documents("q", numbered_documents(2));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Network);
    const std::string what = e.what();
    EXPECT_NE(what.find("HTTP 500"), std::string::npos) << what;
    EXPECT_NE(what.find("malformed JSON"), std::string::npos) << what;
  }
}

TEST(ApiFallback, ParamsAreSplitByLinkIndex) {
  const std::map<std::string, std::string> params = {
      {"rpm", "600"}, {"0.tpm", "1000"}, {"1.timeout", "2"}, {"2.k1", "1.2"}, {"x.y", "z"}};
  EXPECT_EQ(link_params(params, 0),
            (std::map<std::string, std::string>{{"rpm", "600"}, {"tpm", "1000"}, {"x.y", "z"}}));
  EXPECT_EQ(link_params(params, 1), (std::map<std::string, std::string>{{"timeout", "2"}}));
  EXPECT_EQ(link_params(params, 2), (std::map<std::string, std::string>{{"k1", "1.2"}}));
  EXPECT_TRUE(link_params(params, 3).empty());
}

TEST(ApiFallback, NoLoadableLinkIsALoadError) {
  ::unsetenv("COHERE_API_KEY");
  ::unsetenv("JINA_API_KEY");
  LoadOptions options;
  options.fallbacks = {"jina:jina-reranker-v2-base-multilingual"};
  try {
    load("cohere:rerank-v3.5", options);
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unauthorized);
    EXPECT_NE(std::string(e.what()).find("JINA_API_KEY"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rerank::testing
