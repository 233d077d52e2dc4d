// `rerank serve` with a Qwen3-Reranker checkpoint (the qwen3-pointwise fixture, Ġyes as its
// yes token): every dialect answers with sigmoid(l_yes - l_no), the same scores as
// `rerank rank`, and a request's "instruction" changes them.
#include <signal.h>

#include <chrono>
#include <cmath>

#include <gtest/gtest.h>

#include "serve_process.hpp"
#include "serve_test_support.hpp"
#include "support/test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kDocs = {"The moon's gravity pulls the oceans.", "Paris is in France.",
                                        "Tides rise twice a day."};

TEST(ServeLlm, EveryDialectScoresQwen3RerankerLikeTheCli) {
  RERANK_REQUIRE_SHARED(fixture, "reference/qwen3-pointwise");
  const std::string yes = "yes_token=\xC4\xA0yes";
  // Raw l_yes - l_no from the CLI, in document order.
  rerank::testing::TempDir dir;
  std::string jsonl;
  for (const auto& d : kDocs) jsonl += json{{"text", d}}.dump() + "\n";
  rerank::testing::write_file(dir / "docs.jsonl", jsonl);
  const auto cli = rerank::testing::run_cli("rank -m " + fixture.string() + " -q tides -f json --param " + yes +
                                            " -d " + (dir / "docs.jsonl").string());
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json cli_out = json::parse(cli.out);
  std::vector<double> want(kDocs.size());
  for (const auto& r : cli_out["results"]) want[r["index"].get<std::size_t>()] = 1 / (1 + std::exp(-r["score"].get<double>()));

  ServeProcess serve({"--model", fixture.string(), "--param", yes, "--port", "0", "--threads", "2"});
  ASSERT_GT(serve.port(), 0) << "no 'listening on' line";
  httplib::Client c("127.0.0.1", serve.port());
  struct Dialect {
    const char* route;
    const char* documents_field;
    const char* results_field;
    const char* score_field;
  };
  for (const Dialect& d : {Dialect{"/v1/rerank", "documents", "results", "relevance_score"},
                           Dialect{"/v2/rerank", "documents", "results", "relevance_score"},
                           Dialect{"/rerank", "texts", "", "score"},
                           Dialect{"/v1/reranking", "input", "data", "score"}}) {
    for (const bool instructed : {false, true}) {
      json body = {{"query", "tides"}, {d.documents_field, kDocs}};
      if (instructed) body["instruction"] = "Find passages about astronomy";
      auto res = c.Post(d.route, body.dump(), "application/json");
      ASSERT_TRUE(res) << d.route;
      ASSERT_EQ(res->status, 200) << d.route << " " << res->body;
      const json out = parse(res->body);
      const json& results = std::string(d.results_field).empty() ? out : out[d.results_field];
      ASSERT_EQ(results.size(), kDocs.size()) << d.route << " " << res->body;
      for (const auto& r : results) {
        const double got = r[d.score_field].get<double>();
        const double expected = want[r["index"].get<std::size_t>()];
        if (instructed) {
          EXPECT_GT(std::fabs(got - expected), 1e-7) << d.route << ": the instruction changed nothing";
        } else {
          EXPECT_NEAR(got, expected, 1e-6) << d.route;
        }
      }
    }
  }
  auto bad = c.Post("/v1/rerank", json{{"query", "q"}, {"documents", {"a"}}, {"instruction", 5}}.dump(),
                    "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("instruction"), std::string::npos) << bad->body;
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(std::chrono::seconds(15)), 0);
}

}  // namespace
}  // namespace rerank::serve::testing
