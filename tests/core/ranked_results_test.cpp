#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "rerank/document.hpp"
#include "rerank/error.hpp"

namespace rerank {
namespace {

std::vector<Document> docs(std::initializer_list<const char*> ids) {
  std::vector<Document> out;
  for (const char* id : ids) out.push_back(Document{id, std::string("text of ") + id, nlohmann::json::object()});
  return out;
}

TEST(RankedResults, SortsByScoreDescendingWithOneBasedRanks) {
  auto r = RankedResults::from_scores(docs({"a", "b", "c"}), {0.1, 0.9, 0.5});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].document.id, "b");
  EXPECT_EQ(r[1].document.id, "c");
  EXPECT_EQ(r[2].document.id, "a");
  EXPECT_EQ(r[0].rank, 1u);
  EXPECT_EQ(r[2].rank, 3u);
  EXPECT_EQ(r[0].index, 1u);
  EXPECT_EQ(r[2].index, 0u);
}

TEST(RankedResults, TiesKeepInputOrder) {
  auto r = RankedResults::from_scores(docs({"a", "b", "c", "d", "e"}), {1.0, 2.0, 1.0, 2.0, 1.0});
  std::vector<std::string> order;
  for (const auto& x : r) order.push_back(x.document.id);
  EXPECT_EQ(order, (std::vector<std::string>{"b", "d", "a", "c", "e"}));
}

TEST(RankedResults, NaNSortsLastAndInfinitiesOrder) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto r = RankedResults::from_scores(docs({"a", "b", "c", "d"}), {nan, -inf, inf, 0.0});
  EXPECT_EQ(r[0].document.id, "c");
  EXPECT_EQ(r[1].document.id, "d");
  EXPECT_EQ(r[2].document.id, "b");
  EXPECT_EQ(r[3].document.id, "a");
}

TEST(RankedResults, SizeMismatchIsATypedError) {
  try {
    RankedResults::from_scores(docs({"a", "b"}), {1.0});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
}

TEST(RankedResults, TopKBounds) {
  auto r = RankedResults::from_scores(docs({"a", "b", "c"}), {3, 2, 1});
  r.ranker = "bm25";
  EXPECT_EQ(r.top_k(0).size(), 0u);
  EXPECT_EQ(r.top_k(2).size(), 2u);
  EXPECT_EQ(r.top_k(2)[1].document.id, "b");
  EXPECT_EQ(r.top_k(3).size(), 3u);
  EXPECT_EQ(r.top_k(1000).size(), 3u);
  EXPECT_EQ(r.top_k(1).ranker, "bm25");
  EXPECT_EQ(RankedResults().top_k(5).size(), 0u);
}

TEST(RankedResults, FindByDocumentId) {
  auto r = RankedResults::from_scores(docs({"a", "b", "c"}), {1, 3, 2});
  ASSERT_NE(r.find("c"), nullptr);
  EXPECT_EQ(r.find("c")->rank, 2u);
  EXPECT_EQ(r.find("zzz"), nullptr);
}

TEST(RankedResults, JsonRoundTrip) {
  auto in = docs({"a", "b"});
  in[0].metadata = {{"source", "x"}, {"n", 3}};
  in[1].text = "ünïcödé \"quoted\"\n";
  auto r = RankedResults::from_scores(std::move(in), {0.25, 0.75});
  r.ranker = "bm25";
  r.skipped.push_back({"cohere:rerank-v3.5", "HTTP 503"});
  r.usage = {{"search_units", 1}};
  const nlohmann::json j = r.to_json();
  EXPECT_EQ(j["results"][0]["id"], "b");
  EXPECT_EQ(j["results"][0]["index"], 1);
  EXPECT_EQ(j["results"][1]["metadata"]["source"], "x");

  const RankedResults back = RankedResults::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.ranker, "bm25");
  ASSERT_EQ(back.skipped.size(), 1u);
  EXPECT_EQ(back.skipped[0].reason, "HTTP 503");
  EXPECT_EQ(back[0].document.text, "ünïcödé \"quoted\"\n");
  EXPECT_DOUBLE_EQ(back[1].score, 0.25);
}

TEST(RankedResults, NonFiniteScoresSerialiseAsNull) {
  auto r = RankedResults::from_scores(docs({"a"}), {std::nan("")});
  const auto j = r.to_json();
  EXPECT_TRUE(j["results"][0]["score"].is_null());
  EXPECT_TRUE(std::isnan(RankedResults::from_json(j)[0].score));
}

TEST(RankedResults, MalformedJsonIsInvalidInput) {
  try {
    RankedResults::from_json(nlohmann::json{{"results", {{{"id", 5}}}}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
  }
}

}  // namespace
}  // namespace rerank
