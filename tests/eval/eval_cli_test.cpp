// `rerank index`, `rerank search` and `rerank eval` end to end, including the published
// BM25 numbers on SciFact and CACM (../shared/datasets) and a cross-encoder eval.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/datasets/dataset_loader.hpp"
#include "eval/index/index_cache.hpp"
#include "eval/report/eval_report.hpp"
#include "eval/runner/eval_runner.hpp"
#include "support/test_support.hpp"

namespace rerank::eval {
namespace {

using rerank::testing::run_cli;
using rerank::testing::TempDir;
using rerank::testing::write_file;

// Indexes of the shared collections survive between test processes (ctest runs each test
// in its own process); the cache key includes the corpus files' size and mtime.
std::filesystem::path test_index_cache() { return std::filesystem::temp_directory_path() / "rerank-eval-test-indexes"; }

// Runs the CLI with the test index cache.
rerank::testing::CommandResult run_cached_cli(const std::string& args) {
  return rerank::testing::run_command("RERANK_INDEX_CACHE='" + test_index_cache().string() + "' " +
                                      rerank::testing::cli_path().string() + " " + args);
}

TEST(IndexSearchCli, BuildsAndSearches) {
  TempDir dir;
  rerank::testing::write_tiny_collection(dir.path());
  auto r = run_cli("index --corpus " + (dir / "corpus.jsonl").string() + " --index " + (dir / "idx").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("indexed 3 documents"), std::string::npos) << r.out;
  r = run_cli("search --index " + (dir / "idx").string() + " --query 'banana smoothie' --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["id"], "d3");
  EXPECT_EQ(j["results"][1]["id"], "d2");
  EXPECT_DOUBLE_EQ(j["k1"].get<double>(), 0.9);
  r = run_cli("search --index " + (dir / "idx").string() + " --query apple --top-k 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("d1"), std::string::npos);
  EXPECT_NE(r.out.find("Apples apple orchards"), std::string::npos) << r.out;
}

TEST(IndexSearchCli, UsageAndInputErrors) {
  TempDir dir;
  rerank::testing::write_tiny_collection(dir.path());
  EXPECT_EQ(run_cli("index --index " + (dir / "idx").string()).exit_code, 2);
  EXPECT_EQ(run_cli("index --corpus " + (dir / "corpus.jsonl").string() + " --dataset " + dir.path().string() + " --index " +
                    (dir / "idx").string()).exit_code, 2);
  EXPECT_EQ(run_cli("index --corpus " + (dir / "missing.jsonl").string() + " --index " + (dir / "idx").string()).exit_code, 3);
  EXPECT_EQ(run_cli("index --corpus " + (dir / "corpus.jsonl").string() + " --index " + (dir / "idx").string() +
                    " --stemmer klingon").exit_code, 2);
  EXPECT_EQ(run_cli("search --index " + (dir / "nope").string() + " --query x").exit_code, 3);
}

TEST(EvalCli, TinyCollectionWithBm25Reranker) {
  TempDir dir;
  rerank::testing::write_tiny_collection(dir.path());
  const auto r = run_cached_cli("eval --corpus " + (dir / "corpus.jsonl").string() + " --queries " +
                         (dir / "queries.jsonl").string() + " --qrels " + (dir / "qrels.tsv").string() +
                         " --model bm25 --format json --output " + (dir / "out").string() + " --index " + (dir / "idx").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["systems"].size(), 2u);
  EXPECT_EQ(j["systems"][0]["name"], "bm25-first-stage");
  EXPECT_EQ(j["systems"][1]["name"], "bm25");
  EXPECT_EQ(j["systems"][1]["slug"], "bm25");
  EXPECT_DOUBLE_EQ(j["systems"][0]["metrics"]["ndcg_cut_10"].get<double>(), 1.0);
  EXPECT_EQ(j["dataset"]["queries"], 2);
  for (const char* f : {"metrics.json", "report.html", "runs/bm25-first-stage.run", "runs/bm25.run",
                        "per_query/bm25-first-stage.tsv", "per_query/bm25.tsv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / f)) << f;
  }
  EXPECT_NE(r.err.find("eval: 2/2 queries"), std::string::npos) << r.err;
}

TEST(EvalCli, UsageErrors) {
  TempDir dir;
  rerank::testing::write_tiny_collection(dir.path());
  EXPECT_EQ(run_cli("eval").exit_code, 2);
  EXPECT_EQ(run_cli("eval --corpus " + (dir / "corpus.jsonl").string()).exit_code, 2);
  EXPECT_EQ(run_cli("eval --dataset " + dir.path().string() + " --retriever dense").exit_code, 2);
  EXPECT_EQ(run_cli("eval --dataset " + (dir / "nope").string()).exit_code, 3);
  EXPECT_EQ(run_cli("eval --corpus " + (dir / "corpus.jsonl").string() + " --queries " + (dir / "queries.jsonl").string() +
                    " --qrels " + (dir / "qrels.tsv").string() + " --model no-such-model-anywhere --quiet")
                .exit_code,
            4);
}

// --- Published numbers (../shared/datasets/reference_numbers.tsv) ---

std::map<std::string, double> bm25_metrics(const std::filesystem::path& dataset_dir, std::size_t top_k,
                                           const std::vector<std::string>& measures, std::size_t* num_queries) {
  const Dataset ds = open_dataset(dataset_dir);
  const IndexSettings settings;  // Anserini: Porter, Lucene stopwords, k1 0.9, b 0.4
  const auto index_dir = cached_index_path(test_index_cache(), ds, settings);
  ensure_index(index_dir, ds, settings, nullptr);
  Bm25Searcher searcher(index_dir);
  const auto topics = topics_to_evaluate(ds, 0);
  RunnerOptions options;
  options.top_k = top_k;
  const auto systems = run_systems(topics, searcher, {}, options);
  const EvalReport report = make_eval_report(ds, topics, systems, measures);
  *num_queries = topics.size();
  return report.systems.at(0).metrics;
}

TEST(PublishedNumbers, ScifactBm25NdcgAt10) {
  RERANK_REQUIRE_SHARED(dir, "datasets/scifact");
  std::size_t n = 0;
  const auto m = bm25_metrics(dir, 1000, {"ndcg_cut.10", "recall.100", "recall.1000"}, &n);
  EXPECT_EQ(n, 300u);
  // Anserini BM25 flat (the same configuration): nDCG@10 0.6789, R@100 0.9253, R@1000
  // 0.9767; measured 0.6765, 0.9287, 0.9767. The run is deterministic, so the bands only
  // allow an analyzer detail to move it: about 3x the measured gap (R@1000 about one
  // query's worth, 1/300). The old +-0.02 on nDCG@10 alone let through other set-ups
  // (Anserini multifield 0.6647, BEIR's Elasticsearch 0.665) and broken ones: no stemming
  // gives 0.6625 (R@100 0.8859), no length normalisation (b = 0) 0.6676; both fail now.
  // k1/b variants (1.2/0.75: 0.6825) are within any band this metric allows.
  EXPECT_NEAR(m.at("ndcg_cut_10"), 0.6789, 0.007);
  EXPECT_NEAR(m.at("recall_100"), 0.9253, 0.01);
  EXPECT_NEAR(m.at("recall_1000"), 0.9767, 0.004);
  RecordProperty("ndcg_cut_10", std::to_string(m.at("ndcg_cut_10")));
  RecordProperty("recall_100", std::to_string(m.at("recall_100")));
  std::cerr << "SciFact BM25: ndcg_cut_10 " << m.at("ndcg_cut_10") << " recall_100 " << m.at("recall_100")
            << " recall_1000 " << m.at("recall_1000") << "\n";
}

TEST(PublishedNumbers, CacmBm25Map) {
  RERANK_REQUIRE_SHARED(dir, "datasets/cacm");
  std::size_t n = 0;
  const auto m = bm25_metrics(dir, 1000, {"map", "P.30"}, &n);
  EXPECT_EQ(n, 52u);
  // Anserini BM25 (k1 0.9, b 0.4, Porter, Lucene stopwords, 1000 hits): MAP 0.3123, P_30
  // 0.1942; measured 0.3181, 0.1949. MAP within 0.012 (2x the gap) excludes Anserini's
  // query likelihood (0.3265) and BM25+RM3 (0.3648), which the old +-0.03 did not; P_30
  // within a few relevant documents over the 52 queries (1/1560 each). No published
  // recall for this run.
  EXPECT_NEAR(m.at("map"), 0.3123, 0.012);
  EXPECT_NEAR(m.at("P_30"), 0.1942, 0.003);
  std::cerr << "CACM BM25: map " << m.at("map") << " P_30 " << m.at("P_30") << "\n";
}

TEST(EvalCli, ScifactTwentyQueriesJson) {
  RERANK_REQUIRE_SHARED(dir, "datasets/scifact");
  TempDir out;
  const auto r = run_cached_cli("eval --dataset " + dir.string() + " --retriever bm25 --top-k 100 --max-queries 20 "
                         "--model bm25 --format json --output " + out.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["dataset"]["queries"], 20);
  ASSERT_EQ(j["systems"].size(), 2u);
  for (const auto& s : j["systems"]) {
    EXPECT_TRUE(s["metrics"].contains("ndcg_cut_10")) << s.dump();
    EXPECT_EQ(s["latency_ms"]["count"], 20);
  }
  EXPECT_NE(r.err.find("eval: 20/20 queries"), std::string::npos) << r.err;
  const auto runs = rerank::testing::read_file(out / "runs" / "bm25.run");
  EXPECT_EQ(std::count(runs.begin(), runs.end(), '\n'), 2000);  // 20 queries x 100 candidates
}

// The tiny BERT cross-encoder from ../shared/reference reranking BM25's candidates. Only
// missing data skips: a model that no longer loads fails here (the eval exits non-zero).
TEST(EvalCli, ScifactTwentyQueriesWithBertCrossEncoder) {
  RERANK_REQUIRE_SHARED(dataset, "datasets/scifact");
  RERANK_REQUIRE_SHARED(model, "reference/bert-ce");
  TempDir out;
  const auto r = run_cached_cli("eval --dataset " + dataset.string() + " --top-k 100 --max-queries 20 --model " +
                         model.string() + " --format json --output " + out.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["systems"].size(), 2u);
  const auto& ce = j["systems"][1];
  EXPECT_EQ(ce["type"], "cross-encoder");
  EXPECT_EQ(ce["pairs"], 2000);
  EXPECT_GT(ce["pairs_per_s"].get<double>(), 0);
  EXPECT_TRUE(ce["metrics"].contains("ndcg_cut_10"));
  EXPECT_GE(ce["latency_ms"]["p99"].get<double>(), ce["latency_ms"]["p50"].get<double>());
}

// A Qwen3-Reranker (the reduced fixture, its yes token named through the llm-scoped param)
// beside a BM25 reranker: every pair scored, metrics and latency reported.
// `-m bm25 -m bm25 -m DIR`: three distinct short labels beside the first stage (a folder
// by its name, a repeated spec numbered), and --label overrides.
TEST(EvalCli, EverySystemHasAShortUniqueLabel) {
  RERANK_REQUIRE_SHARED(model, "reference/bert-ce");
  TempDir dir;
  rerank::testing::write_tiny_collection(dir.path());
  const std::string collection = "eval --corpus " + (dir / "corpus.jsonl").string() + " --queries " +
                                 (dir / "queries.jsonl").string() + " --qrels " + (dir / "qrels.tsv").string() +
                                 " --format json --index " + (dir / "idx").string();
  auto names_of = [&](const std::string& extra, const std::string& out) {
    const auto r = run_cached_cli(collection + " --output " + (dir / out).string() + " " + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> names;
    if (r.exit_code != 0) return names;
    const auto j = nlohmann::json::parse(r.out);
    for (const auto& s : j["systems"]) names.push_back(s["name"]);
    return names;
  };
  EXPECT_EQ(names_of("-m bm25 -m bm25 -m " + model.string() + "/", "a"),
            (std::vector<std::string>{"bm25-first-stage", "bm25", "bm25-2", "bert-ce"}));
  EXPECT_EQ(names_of("-m bm25 -m " + model.string() + " --label lexical --label minilm", "b"),
            (std::vector<std::string>{"bm25-first-stage", "lexical", "minilm"}));
  EXPECT_EQ(run_cached_cli(collection + " -m bm25 --label a --label b").exit_code, 2);
}

TEST(EvalCli, ScifactWithBm25AndQwen3Reranker) {
  RERANK_REQUIRE_SHARED(dataset, "datasets/scifact");
  RERANK_REQUIRE_SHARED(model, "reference/qwen3-pointwise");
  TempDir out;
  const auto r = run_cached_cli("eval --dataset " + dataset.string() + " --top-k 20 --max-queries 10 -m bm25 -m " +
                                model.string() + " --param llm.yes_token=\xC4\xA0yes --format json --output " +
                                out.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["systems"].size(), 3u);
  const auto& llm = j["systems"][2];
  EXPECT_EQ(llm["type"], "llm");
  EXPECT_EQ(llm["pairs"], 200);
  EXPECT_TRUE(llm["metrics"].contains("ndcg_cut_10"));
  EXPECT_GT(llm["pairs_per_s"].get<double>(), 0);
}

}  // namespace
}  // namespace rerank::eval
