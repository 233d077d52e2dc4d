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
