// One fixture through every front end, each checked against the score docs/scores.md
// documents for it, computed here from `rerank score`'s raw logits:
//   CLI rank (table, json) and score: the raw logit; with --activation sigmoid: sigmoid(logit)
//   server, every dialect: sigmoid(logit); raw_scores:true (or --raw-scores): the logit;
//   return_documents does not change scores.
// And model names: a server with two models answers each request with the model it names
// (its own name, a --served-model-name, SPEC=NAME), a hosted API's default name with the
// default model, and an unknown Hub id with 404 listing what is loaded.
#include <signal.h>

#include <chrono>
#include <cmath>
#include <sstream>

#include <gtest/gtest.h>

#include "serve_process.hpp"
#include "serve_test_support.hpp"
#include "support/test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;
using rerank::testing::run_cli;

const std::vector<std::string> kDocs = {"Cats purr when they are content.", "Paris is the capital of France.",
                                        "A kitten is a young cat."};
const std::string kQuery = "what sound does a cat make";

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Raw logits of `rerank score` for the query and each document.
std::vector<double> raw_logits(const std::filesystem::path& model) {
  std::string input;
  for (const auto& d : kDocs) input += json{{"query", kQuery}, {"document", d}}.dump() + "\n";
  const auto r = run_cli("score -m " + model.string(), input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) out.push_back(json::parse(line)["score"].get<double>());
  EXPECT_EQ(out.size(), kDocs.size());
  return out;
}

// Scores of `rerank rank ... -f json` in document order.
std::vector<double> rank_json(const std::filesystem::path& model, const std::string& extra) {
  rerank::testing::TempDir dir;
  std::string lines;
  for (const auto& d : kDocs) lines += d + "\n";
  rerank::testing::write_file(dir / "docs.txt", lines);
  const auto r = run_cli("rank -m " + model.string() + " -q '" + kQuery + "' --docs-format lines -d " +
                         (dir / "docs.txt").string() + " -f json " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> out(kDocs.size(), NAN);
  if (r.exit_code != 0) return out;
  const json j = json::parse(r.out);
  for (const auto& res : j["results"]) out[res["index"].get<std::size_t>()] = res["score"].get<double>();
  return out;
}

TEST(ScoreRuleFrontEnds, EveryFrontEndShowsItsDocumentedScore) {
  RERANK_REQUIRE_SHARED(model, "reference/bert-ce");
  const std::vector<double> logits = raw_logits(model);
  ASSERT_EQ(logits.size(), kDocs.size());
  const auto raw = rank_json(model, "");
  const auto sig = rank_json(model, "--activation sigmoid");
  for (std::size_t i = 0; i < kDocs.size(); ++i) {
    EXPECT_NEAR(raw[i], logits[i], 1e-6) << i;
    EXPECT_NEAR(sig[i], sigmoid(logits[i]), 1e-6) << i;
  }
  // The table prints the same raw score, 4 decimals, best first.
  rerank::testing::TempDir dir;
  std::string lines;
  for (const auto& d : kDocs) lines += d + "\n";
  rerank::testing::write_file(dir / "docs.txt", lines);
  const auto table = run_cli("rank -m " + model.string() + " -q '" + kQuery + "' --docs-format lines -d " +
                             (dir / "docs.txt").string());
  ASSERT_EQ(table.exit_code, 0) << table.err;
  for (std::size_t i = 0; i < kDocs.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", logits[i]);
    EXPECT_NE(table.out.find(buf), std::string::npos) << buf << "\n" << table.out;
  }

  ServeProcess serve({"--model", model.string(), "--port", "0", "--threads", "2"});
  ASSERT_GT(serve.port(), 0);
  httplib::Client c("127.0.0.1", serve.port());
  struct Dialect {
    const char* route;
    const char* documents_field;
    const char* results_field;
    const char* score_field;
    const char* return_documents_field;
  };
  for (const Dialect& d : {Dialect{"/v1/rerank", "documents", "results", "relevance_score", "return_documents"},
                           Dialect{"/v2/rerank", "documents", "results", "relevance_score", "return_documents"},
                           Dialect{"/rerank", "texts", "", "score", "return_text"},
                           Dialect{"/v1/reranking", "input", "data", "score", "return_input"}}) {
    for (const bool raw_scores : {false, true}) {
      for (const bool return_documents : {false, true}) {
        json body = {{"query", kQuery}, {d.documents_field, kDocs}, {d.return_documents_field, return_documents}};
        if (raw_scores) body["raw_scores"] = true;
        auto res = c.Post(d.route, body.dump(), "application/json");
        ASSERT_TRUE(res) << d.route;
        ASSERT_EQ(res->status, 200) << d.route << " " << res->body;
        const json out = parse(res->body);
        const json& results = std::string(d.results_field).empty() ? out : out[d.results_field];
        ASSERT_EQ(results.size(), kDocs.size()) << d.route;
        double previous = INFINITY;
        for (const auto& r : results) {
          const std::size_t i = r["index"].get<std::size_t>();
          const double got = r[d.score_field].get<double>();
          EXPECT_NEAR(got, raw_scores ? logits[i] : sigmoid(logits[i]), 1e-6)
              << d.route << " raw_scores " << raw_scores << " return_documents " << return_documents;
          EXPECT_LE(got, previous) << d.route << ": not sorted best first";
          previous = got;
        }
      }
    }
  }
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(std::chrono::seconds(15)), 0);
}

TEST(ScoreRuleFrontEnds, TwoModelsAnswerByTheNameEachRequestGives) {
  RERANK_REQUIRE_SHARED(bert, "reference/bert-ce");
  RERANK_REQUIRE_SHARED(electra, "reference/electra-ce");
  const std::vector<double> bert_logits = raw_logits(bert), electra_logits = raw_logits(electra);
  ServeProcess serve({"--model", bert.string(), "--model", electra.string(), "--served-model-name", "org/bert-fixture",
                      "--served-model-name", electra.string() + "=org/electra-fixture", "--port", "0", "--threads",
                      "2", "--raw-scores"});
  ASSERT_GT(serve.port(), 0);
  httplib::Client c("127.0.0.1", serve.port());
  auto scores_of = [&](const std::string& model_name, int want_status) {
    json body = {{"query", kQuery}, {"documents", kDocs}};
    if (!model_name.empty()) body["model"] = model_name;
    auto res = c.Post("/v1/rerank", body.dump(), "application/json");
    EXPECT_TRUE(res);
    std::vector<double> out(kDocs.size(), NAN);
    if (!res) return out;
    EXPECT_EQ(res->status, want_status) << model_name << " " << res->body;
    if (res->status != 200) {
      EXPECT_NE(res->body.find("org/bert-fixture"), std::string::npos) << res->body;  // lists the loaded names
      EXPECT_NE(res->body.find("org/electra-fixture"), std::string::npos) << res->body;
      return out;
    }
    const json answer = parse(res->body);
    for (const auto& r : answer["results"]) {
      out[r["index"].get<std::size_t>()] = r["relevance_score"].get<double>();
    }
    return out;
  };
  auto expect_scores = [&](const std::vector<double>& got, const std::vector<double>& want, const std::string& what) {
    for (std::size_t i = 0; i < kDocs.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << what << " document " << i;
  };
  expect_scores(scores_of("", 200), bert_logits, "no model: the default");
  expect_scores(scores_of(bert.string(), 200), bert_logits, "the first model's spec");
  expect_scores(scores_of("org/bert-fixture", 200), bert_logits, "the first model's served name");
  expect_scores(scores_of(electra.string(), 200), electra_logits, "the second model's spec");
  expect_scores(scores_of("org/electra-fixture", 200), electra_logits, "the second model's served name");
  expect_scores(scores_of("rerank-v3.5", 200), bert_logits, "a hosted API's default name");
  scores_of("BAAI/bge-reranker-v2-m3", 404);
  auto models = c.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(parse(models->body)["data"][1]["aliases"][0], "org/electra-fixture");
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(std::chrono::seconds(15)), 0);
  // A served name for a model that was not given is a usage error.
  const auto bad = run_cli("serve --model bm25 --served-model-name nothing-here=x --port 0");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

}  // namespace
}  // namespace rerank::serve::testing
