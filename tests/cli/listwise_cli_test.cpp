// A listwise LLM through the front ends, against a fake OpenAI-compatible chat server that
// answers every window reversed: `rerank rank` ranks by it, `rerank eval` reports its LLM calls.
// (The server runs it too: tests/serve/serve_listwise_test.cpp.)
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/fake_chat_server.hpp"
#include "support/test_support.hpp"

namespace rerank {
namespace {

using testing::FakeChatServer;
using testing::run_cli;
using testing::TempDir;


TEST(ListwiseCli, RankFollowsTheLlmsOrder) {
  FakeChatServer server([](std::size_t, const nlohmann::json& body) {
    return std::pair{200, testing::reversed_ranking(testing::passages_in(body))};
  });
  TempDir dir;
  {
    std::ofstream docs(dir / "docs.jsonl");
    for (int i = 0; i < 5; ++i) docs << nlohmann::json{{"id", "d" + std::to_string(i)}, {"text", "passage " + std::to_string(i)}}.dump() << "\n";
  }
  const auto r = run_cli("rank --model rankgpt --endpoint " + server.base() + " --param model=my-llm --query tides --docs " +
                         (dir / "docs.jsonl").string() + " --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 5u);
  EXPECT_EQ(j["results"][0]["id"], "d4");
  EXPECT_EQ(j["results"][4]["id"], "d0");
  EXPECT_DOUBLE_EQ(j["results"][1]["score"].get<double>(), 0.5);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0]["model"], "my-llm");
}

TEST(ListwiseCli, EvalReportsTheLlmCalls) {
  FakeChatServer server([](std::size_t, const nlohmann::json& body) {
    return std::pair{200, testing::reversed_ranking(testing::passages_in(body))};
  });
  TempDir dir;
  testing::write_tiny_collection(dir.path());
  const auto r = run_cli("eval --corpus " + (dir / "corpus.jsonl").string() + " --queries " +
                         (dir / "queries.jsonl").string() + " --qrels " + (dir / "qrels.tsv").string() +
                         " --model rankgpt --endpoint " + server.base() + " --param model=my-llm --format json --quiet" +
                         " --output " + (dir / "out").string() + " --index " + (dir / "idx").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["systems"].size(), 2u);
  const auto& usage = j["systems"][1]["usage"];
  EXPECT_EQ(usage["llm_calls"].get<std::size_t>(), server.requests().size());
  EXPECT_GE(usage["llm_calls"].get<std::size_t>(), 1u);
  EXPECT_EQ(usage["failed_windows"], 0);
}

}  // namespace
}  // namespace rerank
