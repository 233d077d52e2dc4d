// Splitting long document lists into a provider's per-request limit and merging the
// parts' scores back into input order.
#include <gtest/gtest.h>

#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/api_test_util.hpp"
#include "support/fake_api_server.hpp"

namespace rerank::testing {
namespace {

class ApiSplit : public ::testing::TestWithParam<std::string> {};  // concurrency

TEST_P(ApiSplit, TwentyFiveHundredDocumentsToAThousandDocumentProvider) {
  FakeApiServer server("voyage");  // enforces Voyage's documented 1,000-document limit
  auto ranker = load("voyage:rerank-2.5", fake_options(server, {{"concurrency", GetParam()}}));
  const auto docs = numbered_documents(2500, "candidate passage ");
  Scores s = ranker->score_documents("query", docs);

  EXPECT_TRUE(server.rejections().empty()) << server.rejections().front();
  ASSERT_EQ(server.request_count(), 3u);
  std::vector<std::size_t> sizes;
  std::vector<std::string> firsts;
  for (const FakeRequest& r : server.requests()) {
    sizes.push_back(r.body["documents"].size());
    firsts.push_back(r.body["documents"][0].get<std::string>());
    EXPECT_EQ(r.body["top_k"], r.body["documents"].size());
  }
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{500, 1000, 1000}));
  std::sort(firsts.begin(), firsts.end());
  EXPECT_EQ(firsts, (std::vector<std::string>{"candidate passage 0", "candidate passage 1000",
                                              "candidate passage 2000"}));

  ASSERT_EQ(s.values.size(), 2500u);
  EXPECT_EQ(s.values, expected_scores(docs));  // every score lands on its own document
  EXPECT_EQ(s.usage["total_tokens"], 7 * 2500);  // summed over the three responses
  EXPECT_EQ(s.usage["requests"], 3);

  // The merged ranking equals ranking all 2,500 at once by the same scores.
  RankedResults ranked = ranker->rank("query", docs);
  RankedResults direct = RankedResults::from_scores(docs, expected_scores(docs));
  ASSERT_EQ(ranked.size(), direct.size());
  for (std::size_t i = 0; i < ranked.size(); ++i) EXPECT_EQ(ranked[i].index, direct[i].index);
}

INSTANTIATE_TEST_SUITE_P(Concurrency, ApiSplit, ::testing::Values("1", "4"));

TEST(ApiSplitLimits, TeiSplitsAtItsDefaultClientBatchSize) {
  FakeApiServer server("tei", "");
  LoadOptions options;
  auto ranker = load("tei:" + server.url(), options);
  const auto docs = numbered_documents(100);
  EXPECT_EQ(ranker->score_documents("q", docs).values, expected_scores(docs));
  EXPECT_EQ(server.request_count(), 4u);  // 32 + 32 + 32 + 4
  EXPECT_TRUE(server.rejections().empty());
}

TEST(ApiSplitLimits, PineconeSplitsAtOneHundred) {
  FakeApiServer server("pinecone");
  auto ranker = load("pinecone:bge-reranker-v2-m3", fake_options(server));
  const auto docs = numbered_documents(250);
  Scores s = ranker->score_documents("q", docs);
  EXPECT_EQ(s.values, expected_scores(docs));
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_EQ(s.usage["rerank_units"], 3);
  EXPECT_TRUE(server.rejections().empty());
}

TEST(ApiSplitLimits, MaxRequestTokensSplitsByEstimatedTokens) {
  FakeApiServer server("voyage");
  // "document number N" estimates 2 + 2 + 1 tokens, the query "q" 1: 6 per document.
  auto ranker = load("voyage:rerank-2.5", fake_options(server, {{"max_request_tokens", "60"}, {"concurrency", "1"}}));
  const auto docs = numbered_documents(25);
  EXPECT_EQ(ranker->score_documents("q", docs).values, expected_scores(docs));
  EXPECT_EQ(server.request_count(), 3u);  // 10 + 10 + 5
}

TEST(ApiSplitLimits, APartThatFailsFailsTheCall) {
  FakeApiServer server("voyage");
  server.set_max_documents(1000);
  // retries=0 and a 500 on one of the three parts: no partial scores are returned.
  server.push_faults({{Fault::None}, {Fault::Status500}});
  auto ranker = load("voyage:rerank-2.5", fake_options(server, {{"retries", "0"}, {"concurrency", "1"}}));
  EXPECT_THROW(ranker->score_documents("q", numbered_documents(2500)), Error);
}

}  // namespace
}  // namespace rerank::testing
