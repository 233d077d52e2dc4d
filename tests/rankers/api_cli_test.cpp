// `rerank rank` with hosted-API models: usage and provenance in --format json, and the
// --fallback chain from the command line (the CLI process talks to the in-process fake).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fake_api_server.hpp"
#include "support/test_support.hpp"

namespace rerank::testing {
namespace {

const std::string kDocs =
    "{\"id\":\"a\",\"text\":\"apples are red\"}\n{\"id\":\"b\",\"text\":\"bananas are yellow\"}\n"
    "{\"id\":\"c\",\"text\":\"red apples and green apples\"}\n";

TEST(ApiCli, RankJsonCarriesRankerAndUsage) {
  FakeApiServer server("cohere");
  auto r = run_cli("rank -m cohere:rerank-v3.5 -q apple --endpoint " + server.url() +
                       " --api-key test-secret-key --format json",
                   kDocs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["ranker"], "cohere:rerank-v3.5");
  EXPECT_EQ(out["usage"]["search_units"], 1);
  EXPECT_TRUE(out["skipped"].empty());
  ASSERT_EQ(out["results"].size(), 3u);
  for (const auto& res : out["results"]) {
    EXPECT_EQ(res["score"].get<double>(), fake_score(res["text"].get<std::string>()));
  }
  EXPECT_EQ(r.err.find("test-secret-key"), std::string::npos);
}

TEST(ApiCli, FallbackFromTheCommandLineReportsTheSkip) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status500}, {Fault::Status500}});
  auto r = run_cli("rank -m cohere:rerank-v3.5 -q apple --endpoint " + server.url() +
                       " --api-key test-secret-key --param retries=1 --param backoff=0.01 --fallback bm25 --format json",
                   kDocs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["ranker"], "bm25");
  ASSERT_EQ(out["skipped"].size(), 1u);
  EXPECT_EQ(out["skipped"][0]["spec"], "cohere:rerank-v3.5");
  EXPECT_NE(out["skipped"][0]["reason"].get<std::string>().find("HTTP 500"), std::string::npos);
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(ApiCli, NetworkFailureWithoutFallbackExitsWithTheNetworkCode) {
  FakeApiServer server("cohere");
  server.push_faults({{Fault::Status401}});
  auto r = run_cli("rank -m cohere:rerank-v3.5 -q apple --endpoint " + server.url() +
                       " --api-key wrong-key-value --format json",
                   kDocs);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.err.find("wrong-key-value"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rerank::testing
