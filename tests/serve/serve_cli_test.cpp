// `rerank serve` as a process: flags, the listening line, and SIGTERM draining then exiting 0.
#include <signal.h>

#include <chrono>

#include <gtest/gtest.h>

#include "serve_process.hpp"
#include "serve_test_support.hpp"
#include "support/test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;

TEST(ServeCli, ServesAndExitsZeroOnSigterm) {
  rerank::testing::TempDir dir;
  rerank::testing::write_file(dir / "key", "file-key\n");
  ServeProcess serve({"--model", "bm25", "--port", "0", "--api-key-file", (dir / "key").string(), "--max-queue",
                      "8", "--timeout", "5"});
  ASSERT_GT(serve.port(), 0) << "no 'listening on' line";
  httplib::Client c("127.0.0.1", serve.port());
  auto res = c.Post("/v2/rerank", {{"Authorization", "Bearer file-key"}},
                    json{{"query", "fox"}, {"documents", {"a fox", "a dog"}}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(parse(res->body)["results"][0]["index"], 0);
  EXPECT_EQ(c.Post("/v2/rerank", json{{"query", "fox"}, {"documents", {"a"}}}.dump(), "application/json")->status,
            401);
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(std::chrono::seconds(15)), 0);
}

// --workers 0 (the default) picks 1 for a local model, whose requests the runtime merges,
// and several for rankers without a model (hosted APIs, BM25), which do not batch.
TEST(ServeCli, WorkersDefaultByKindOfRanker) {
  auto workers_of = [](std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--port", "0"});
    ServeProcess serve(flags);
    EXPECT_GT(serve.port(), 0) << "no 'listening on' line";
    httplib::Client c("127.0.0.1", serve.port());
    auto res = c.Get("/v1/models");
    EXPECT_TRUE(res);
    const int workers = res ? parse(res->body)["data"][0]["workers"].get<int>() : -1;
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait_exit(std::chrono::seconds(15)), 0);
    return workers;
  };
  EXPECT_EQ(workers_of({"--model", "bm25"}), 8);
  EXPECT_EQ(workers_of({"--model", "bm25", "--workers", "3"}), 3);
  RERANK_REQUIRE_SHARED(fixture, "reference/bert-ce");
  EXPECT_EQ(workers_of({"--model", fixture.string(), "--threads", "2"}), 1);
}

// --device LIST: one engine per device behind the model's one queue (cpu,cpu here; on a GPU
// machine cuda:0,cuda:1 or cuda:0,cuda:0), listed by /v1/models, scoring as one engine does.
TEST(ServeCli, ADeviceListServesOneModelOnSeveralEngines) {
  RERANK_REQUIRE_SHARED(fixture, "reference/bert-ce");
  auto serve_and_score = [&](const std::string& devices, std::size_t expected_engines) {
    ServeProcess serve({"--model", fixture.string(), "--device", devices, "--threads", "1", "--port", "0"});
    EXPECT_GT(serve.port(), 0) << "no 'listening on' line";
    httplib::Client c("127.0.0.1", serve.port());
    auto models = c.Get("/v1/models");
    EXPECT_TRUE(models);
    if (models) {
      EXPECT_EQ(parse(models->body)["data"][0]["devices"].size(), expected_engines) << models->body;
    }
    std::vector<double> scores;
    for (int i = 0; i < 4; ++i) {
      auto res = c.Post("/rerank", json{{"query", "what is a fox"}, {"texts", {"a fox is an animal", "stock prices"}},
                                        {"raw_scores", true}}.dump(),
                        "application/json");
      EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no response");
      if (!res || res->status != 200) break;
      for (const auto& r : parse(res->body)) scores.push_back(r["score"].get<double>());
    }
    // One counter per engine; together they count every batch.
    auto metrics = c.Get("/metrics");
    EXPECT_TRUE(metrics);
    if (metrics) {
      for (std::size_t e = 0; e < expected_engines; ++e) {
        EXPECT_NE(metrics->body.find("rerank_engine_batches_total{model=\"" + fixture.string() + "\",engine=\"" +
                                     std::to_string(e) + "\"}"),
                  std::string::npos)
            << metrics->body;
      }
      EXPECT_EQ(metrics->body.find("engine=\"" + std::to_string(expected_engines) + "\""), std::string::npos);
    }
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait_exit(std::chrono::seconds(15)), 0);
    return scores;
  };
  const std::vector<double> one = serve_and_score("cpu", 1);
  const std::vector<double> two = serve_and_score("cpu,cpu", 2);
  ASSERT_EQ(one.size(), 8u);
  EXPECT_EQ(one, two);
  auto r = rerank::testing::run_cli("serve --model bm25 --device cpu,cuda:0 --port 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("mixes cpu and cuda"), std::string::npos) << r.err;
  r = rerank::testing::run_cli("serve --model bm25 --device cpu,cpu --port 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("runs on no device"), std::string::npos) << r.err;
  r = rerank::testing::run_cli("rank --model " + fixture.string() + " --device cpu,cpu --query q --docs /dev/null");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("rerank serve"), std::string::npos) << r.err;
}

TEST(ServeCli, BadFlagsAreUsageErrors) {
  auto r = rerank::testing::run_cli("serve --model bm25 --api-key a --api-key-file /nonexistent");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = rerank::testing::run_cli("serve --model bm25 --max-queue 0");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = rerank::testing::run_cli("serve --model no-such-type:thing --port 0");
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace rerank::serve::testing
