// The listwise ranker against a fake OpenAI-compatible chat server on 127.0.0.1 that records
// every request and answers from a script: 100 candidates give rank_llm's 9 windows, bottom
// up; every prompt equals the one rendered here independently (RankGPT's multi-turn text
// written out from its template, the window's passages in their current order); the final
// order follows the scripted answers; a window that fails keeps its order (on_error=keep,
// counted) or fails the call (on_error=fail).
#include <httplib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <numeric>
#include <thread>

#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/fake_chat_server.hpp"
#include "support/test_support.hpp"

namespace rerank {
namespace {

using Json = nlohmann::json;
using testing::FakeChatServer;

// RankGPT's messages for `passages` (rank_gpt_template.yaml, written out here).
Json rankgpt_messages(const std::string& query, const std::vector<std::string>& passages) {
  const std::string num = std::to_string(passages.size());
  Json m = Json::array();
  m.push_back({{"role", "system"},
               {"content", "You are RankGPT, an intelligent assistant that can rank passages based on their relevancy "
                           "to the query."}});
  m.push_back({{"role", "user"},
               {"content", "I will provide you with " + num + " passages, each indicated by number identifier [].\n"
                           "Rank the passages based on their relevance to query: " + query + "."}});
  m.push_back({{"role", "assistant"}, {"content", "Okay, please provide the passages."}});
  for (std::size_t i = 0; i < passages.size(); ++i) {
    m.push_back({{"role", "user"}, {"content", "[" + std::to_string(i + 1) + "] " + passages[i]}});
    m.push_back({{"role", "assistant"}, {"content", "Received passage [" + std::to_string(i + 1) + "]."}});
  }
  m.push_back({{"role", "user"},
               {"content", "Search Query: " + query + ".\nRank the " + num +
                               " passages above based on their relevance to the search query. The passages should be "
                               "listed in descending order using identifiers. The most relevant passages should be "
                               "listed first. The output format should be [] > [], e.g., [1] > [2]. Only response the "
                               "ranking results, do not say any word or explain."}});
  return m;
}

std::vector<Document> candidates(std::size_t n) {
  std::vector<Document> docs;
  for (std::size_t i = 0; i < n; ++i) docs.push_back({std::to_string(i), "passage " + std::to_string(i) + " about tides", {}});
  return docs;
}

std::unique_ptr<Ranker> listwise(const FakeChatServer& server, std::map<std::string, std::string> params = {}) {
  LoadOptions o;
  o.type = "listwise";
  o.endpoint = server.base();
  o.api_key = "sk-test";
  o.params = std::move(params);
  o.params.emplace("retries", "0");
  return load("test-model", o);
}

// The scripted answer: the window reversed, written as the model would ("[20] > [19] > ...").
std::string reversed(std::size_t size) {
  std::string out;
  for (std::size_t i = size; i >= 1; --i) out += "[" + std::to_string(i) + "]" + (i > 1 ? " > " : "");
  return out;
}

TEST(ListwiseRanker, HundredCandidatesNineWindowsExactPromptsAndTheScriptedOrder) {
  FakeChatServer server([](std::size_t, const Json& body) {
    return std::pair{200, reversed((body["messages"].size() - 4) / 2)};  // passages = (messages - 4) / 2
  });
  const auto ranker = listwise(server);
  const std::vector<Document> docs = candidates(100);
  const Scores scores = ranker->score_documents("what moves tides", docs);

  // The same algorithm, simulated here: windows [80,100), [70,90), ..., [0,20), each reversed.
  std::vector<std::size_t> order(100);
  std::iota(order.begin(), order.end(), 0);
  const std::vector<Json> requests = server.requests();
  ASSERT_EQ(requests.size(), 9u);
  std::size_t call = 0;
  for (std::size_t begin = 80;; begin -= 10, ++call) {
    std::vector<std::string> passages;
    for (std::size_t i = begin; i < begin + 20; ++i) passages.push_back(docs[order[i]].text);
    EXPECT_EQ(requests[call]["messages"], rankgpt_messages("what moves tides", passages)) << "window " << call;
    EXPECT_EQ(requests[call]["model"], "test-model");
    EXPECT_EQ(requests[call]["temperature"], 0.0);
    std::reverse(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(begin + 20));
    if (begin == 0) break;
  }
  for (std::size_t r = 0; r < 100; ++r) {
    EXPECT_DOUBLE_EQ(scores.values[order[r]], 1.0 / static_cast<double>(r + 1)) << "rank " << r;
  }
  EXPECT_EQ(scores.usage["llm_calls"], 9);
  EXPECT_EQ(scores.usage["failed_windows"], 0);
  EXPECT_EQ(scores.usage["total_tokens"], 9 * 110);
  for (const std::string& a : server.auth()) EXPECT_EQ(a, "Bearer sk-test");
}

TEST(ListwiseRanker, GarbageAnswersAreRepairedAndCounted) {
  FakeChatServer server([](std::size_t, const Json&) { return std::pair{200, std::string("[3] > [3] > [9] > prose")}; });
  const auto ranker = listwise(server);
  const Scores s = ranker->score_documents("q", candidates(5));
  // One window of 5: 3 first, then 1, 2, 4, 5 in input order.
  EXPECT_DOUBLE_EQ(s.values[2], 1.0);
  EXPECT_DOUBLE_EQ(s.values[0], 0.5);
  EXPECT_DOUBLE_EQ(s.values[4], 0.2);
  EXPECT_EQ(s.usage["repairs"]["duplicates"], 1);
  EXPECT_EQ(s.usage["repairs"]["out_of_range"], 1);
  EXPECT_EQ(s.usage["repairs"]["missing"], 4);
}

TEST(ListwiseRanker, AFailedWindowKeepsItsOrderOrFailsTheCall) {
  FakeChatServer server([](std::size_t call, const Json& body) {
    if (call % 2 == 0) return std::pair{503, std::string()};  // the first window of each call fails
    return std::pair{200, reversed((body["messages"].size() - 4) / 2)};
  });
  const auto keep = listwise(server);
  const Scores s = keep->score_documents("q", candidates(25));  // windows [5,25) (fails), [0,15)
  EXPECT_EQ(s.usage["failed_windows"], 1);
  EXPECT_EQ(s.usage["llm_calls"], 2);
  // [0,15) reversed: candidate 14 first; the failed window's tail kept its input order.
  EXPECT_DOUBLE_EQ(s.values[14], 1.0);
  EXPECT_DOUBLE_EQ(s.values[24], 1.0 / 25.0);
  const auto fail = listwise(server, {{"on_error", "fail"}});
  try {
    fail->score_documents("q", candidates(25));
    FAIL() << "expected the failed window to fail the call";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Overloaded) << e.what();  // 503
    EXPECT_NE(std::string(e.what()).find("listwise window"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("sk-test"), std::string::npos);
  }
}

TEST(ListwiseRanker, AWrongKeyOrEveryWindowFailingFailsTheCall) {
  FakeChatServer unauthorized([](std::size_t, const Json&) { return std::pair{401, std::string()}; });
  try {
    listwise(unauthorized)->score_documents("q", candidates(25));
    FAIL() << "expected Unauthorized";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unauthorized) << e.what();
  }
  EXPECT_EQ(unauthorized.requests().size(), 1u);  // the first window already says it all
  FakeChatServer down([](std::size_t, const Json&) { return std::pair{503, std::string()}; });
  EXPECT_THROW(listwise(down)->score_documents("q", candidates(25)), Error);  // on_error=keep, every window failed
  EXPECT_EQ(down.requests().size(), 2u);
}

TEST(ListwiseRanker, RetryableStatusesAreRetriedAndExtraFieldsSent) {
  FakeChatServer server([](std::size_t call, const Json&) {
    if (call == 0) return std::pair{429, std::string()};
    return std::pair{200, std::string("[2] > [1]")};
  });
  LoadOptions o;
  o.type = "listwise";
  o.endpoint = server.base();
  o.params = {{"retries", "1"}, {"backoff", "0"}, {"extra_body", R"({"top_p":0.5,"seed":7})"}};
  const Scores s = load("m", o)->score_documents("q", candidates(2));
  EXPECT_DOUBLE_EQ(s.values[1], 1.0);
  EXPECT_EQ(s.usage["failed_windows"], 0);
  ASSERT_EQ(server.requests().size(), 2u);  // the 429, then the answer
  EXPECT_EQ(server.requests()[1]["top_p"], 0.5);
  EXPECT_EQ(server.requests()[1]["seed"], 7);
  o.params = {{"extra_body", "[1]"}};
  EXPECT_THROW(load("m", o), Error);
}

// A local folder runs on the engine (listwise_local_test.cpp); one that cannot generate
// says so, naming its architecture.
TEST(ListwiseRanker, ALocalEncoderCannotGenerate) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  LoadOptions o;
  o.type = "listwise";
  try {
    load(dir.string(), o);
    FAIL() << "expected NotSupported";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotSupported);
    EXPECT_NE(std::string(e.what()).find("BertForSequenceClassification"), std::string::npos) << e.what();
  }
}

TEST(ListwiseRanker, SettingsAreCheckedAtLoad) {
  FakeChatServer server([](std::size_t, const Json&) { return std::pair{200, std::string()}; });
  EXPECT_THROW(listwise(server, {{"window", "0"}}), Error);
  EXPECT_THROW(listwise(server, {{"prompt", "first"}}), Error);
  EXPECT_THROW(listwise(server, {{"on_error", "ignore"}}), Error);
  EXPECT_THROW(listwise(server, {{"bogus", "1"}}), Error);
  LoadOptions no_key;
  no_key.type = "listwise";
  no_key.endpoint = "https://api.openai.com/v1";
  ::unsetenv("OPENAI_API_KEY");
  try {
    load("gpt-4o-mini", no_key);
    FAIL() << "expected a missing key to be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unauthorized);
  }
  // A RankZephyr model name picks its single-turn prompt.
  FakeChatServer zephyr([](std::size_t, const Json&) { return std::pair{200, std::string("[2] > [1]")}; });
  LoadOptions o;
  o.type = "listwise";
  o.endpoint = zephyr.base();
  const auto ranker = load("castorini/rank_zephyr_7b_v1_full", o);
  const Scores s = ranker->score_documents("q", candidates(2));
  EXPECT_DOUBLE_EQ(s.values[1], 1.0);
  ASSERT_EQ(zephyr.requests().size(), 1u);
  EXPECT_EQ(zephyr.requests()[0]["messages"].size(), 2u);
  EXPECT_TRUE(zephyr.auth()[0].empty());  // no key configured: no header
}

}  // namespace
}  // namespace rerank
