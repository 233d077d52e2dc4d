// Every front end runs a model's pairs through the runtime: `rerank --runtime-stats` prints
// the runtime's counters at exit, and rank, score, bench and eval each show theirs (counts,
// not timings). The server and library users are covered by tests/serve/server_runtime_test
// and tests/runtime/model_runtime_test.
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace rerank::testing {
namespace {

struct RuntimeStats {
  std::size_t requests = 0, runs = 0, passes = 0, sequences = 0;
};

RuntimeStats stats_of(const CommandResult& r) {
  const std::regex line(R"(rerank: runtime: (\d+) requests, (\d+) runs, (\d+) forward passes, (\d+) sequences)");
  std::smatch m;
  if (!std::regex_search(r.err, m, line)) {
    ADD_FAILURE() << "no runtime line in: " << r.err;
    return {};
  }
  return {std::stoul(m[1]), std::stoul(m[2]), std::stoul(m[3]), std::stoul(m[4])};
}

class RuntimePath : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto fixture = shared_path("reference/bert-ce");
    if (!fixture) {
      if (strict_mode()) FAIL() << missing_message("reference/bert-ce");
      GTEST_SKIP() << missing_message("reference/bert-ce");
    }
    model = fixture->string();
  }
  std::string model;
  TempDir dir;
};

TEST_F(RuntimePath, RankScoresItsDocumentsThroughTheRuntime) {
  write_file(dir / "docs.jsonl", "{\"id\":\"a\",\"text\":\"foxes eat mice\"}\n{\"id\":\"b\",\"text\":\"the moon\"}\n"
                                 "{\"id\":\"c\",\"text\":\"a red fox\"}\n");
  const CommandResult r = run_cli("--runtime-stats rank -m " + model + " --threads 2 --query 'what do foxes eat' --docs " +
                                  (dir / "docs.jsonl").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const RuntimeStats s = stats_of(r);
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.sequences, 3u);
  EXPECT_EQ(s.passes, 1u);
}

TEST_F(RuntimePath, ScoreRunsItsPairsThroughTheRuntime) {
  const CommandResult r = run_cli("--runtime-stats score -m " + model + " --threads 2",
                                  "{\"query\":\"q\",\"document\":\"one\"}\n{\"query\":\"q\",\"document\":\"two\"}\n"
                                  "{\"query\":\"p\",\"document\":\"three\"}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const RuntimeStats s = stats_of(r);
  EXPECT_EQ(s.requests, 2u);  // grouped by query
  EXPECT_EQ(s.sequences, 3u);
  EXPECT_EQ(s.passes, 1u);    // both queries' pairs in one forward pass
}

TEST_F(RuntimePath, BenchRunsItsPairsThroughTheRuntime) {
  RERANK_REQUIRE_SHARED(scifact, "datasets/scifact");
  const CommandResult r = run_cli("--runtime-stats bench -m " + model + " --threads 2 --no-peak --pairs 30 --data " +
                                  scifact.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const RuntimeStats s = stats_of(r);
  EXPECT_EQ(s.sequences, 60u);  // a warm-up pass and one timed pass of 30 pairs
  EXPECT_GE(s.passes, 2u);
}

// bench --dump-ids: one line per pair, the ids the model runs (what `rerank score` tokenises
// for the same pair), for a peer benchmark to run the same inputs.
TEST_F(RuntimePath, BenchDumpsTheTokenIdsItRuns) {
  RERANK_REQUIRE_SHARED(scifact, "datasets/scifact");
  const auto ids = dir / "ids.jsonl";
  const CommandResult r = run_cli("bench -m " + model + " --threads 2 --no-peak --pairs 3 --data " + scifact.string() +
                                  " --dump-ids " + ids.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(ids);
  std::string line;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    const auto input_ids = j["input_ids"].get<std::vector<int>>();
    ASSERT_GT(input_ids.size(), 2u);
    EXPECT_EQ(j["token_type_ids"].size(), input_ids.size());
    EXPECT_EQ(input_ids.front(), 101);  // [CLS] of the fixture's BERT vocabulary
    ++lines;
  }
  EXPECT_EQ(lines, 3u);
  EXPECT_NE(run_cli("bench -m bm25 --no-peak --pairs 3 --data " + scifact.string() + " --dump-ids " + ids.string()).exit_code, 0);
}

// bench --latency: a cold request, one served, then N timed requests of K passages, each one
// request through the runtime (counts, not timings: the figures are printed, not asserted).
TEST_F(RuntimePath, BenchLatencyServesOneRequestAtATime) {
  RERANK_REQUIRE_SHARED(scifact, "datasets/scifact");
  const CommandResult r = run_cli("--runtime-stats bench -m " + model + " --threads 2 --latency --requests 5 "
                                  "--docs-per-request 4 --data " + scifact.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const RuntimeStats s = stats_of(r);
  EXPECT_EQ(s.requests, 7u);     // cold + one served before + 5 timed
  EXPECT_EQ(s.sequences, 28u);   // 4 passages each
  const std::string json_line = r.out.substr(r.out.rfind("{\""));
  const auto j = nlohmann::json::parse(json_line);
  EXPECT_EQ(j["requests"], 5);
  for (const char* key : {"cold_ms", "warm_p50_ms", "warm_p99_ms", "tokenize_p50_ms"}) {
    EXPECT_TRUE(j.contains(key) && j[key].get<double>() > 0) << key << ": " << json_line;
  }
}

TEST_F(RuntimePath, EvalRerankingRunsThroughTheRuntime) {
  write_tiny_collection(dir.path());
  const CommandResult r =
      run_command("RERANK_INDEX_CACHE='" + (dir / "cache").string() + "' " + cli_path().string() +
                  " --runtime-stats eval --threads 2 --corpus " + (dir / "corpus.jsonl").string() + " --queries " +
                  (dir / "queries.jsonl").string() + " --qrels " + (dir / "qrels.tsv").string() + " --model " + model +
                  " --format json --output " + (dir / "out").string() + " --index " + (dir / "idx").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const RuntimeStats s = stats_of(r);
  EXPECT_GE(s.requests, 2u);   // each query's candidates
  EXPECT_GE(s.sequences, 2u);
  EXPECT_GE(s.passes, 1u);
}

}  // namespace
}  // namespace rerank::testing
