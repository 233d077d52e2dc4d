// The eval runner and report: candidates flow from BM25 to rerankers, rankings follow the
// reranker's scores, metrics come from trec_eval, outputs are written.
#include <atomic>
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/index/bm25_index.hpp"
#include "eval/report/eval_report.hpp"
#include "eval/report/html_report.hpp"
#include "eval/report/report_writers.hpp"
#include "eval/runner/eval_runner.hpp"
#include "eval/runner/latency_stats.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::eval {
namespace {

using rerank::testing::TempDir;

// Scores documents by a fixed table (unknown ids score 0); counts calls.
class TableRanker final : public Ranker {
 public:
  explicit TableRanker(std::map<std::string, double> scores, bool fail = false) : scores_(std::move(scores)), fail_(fail) {}
  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view, std::span<const Document> docs, const ScoreOptions&) const override {
    if (fail_) throw Error(ErrorCode::Backend, "device lost");
    ++calls;
    Scores s;
    for (const Document& d : docs) {
      auto it = scores_.find(d.id);
      s.values.push_back(it == scores_.end() ? 0.0 : it->second);
    }
    return s;
  }
  mutable std::atomic<int> calls = 0;  // concurrent calls (RunnerOptions::concurrency)

 private:
  RankerInfo info_ = [] {
    RankerInfo i;
    i.type = "table";
    i.spec = "table";
    i.model = "table-model";
    i.score_kind = ScoreKind::Logit;
    return i;
  }();
  std::map<std::string, double> scores_;
  bool fail_;
};

Dataset small_dataset() {
  Dataset ds;
  ds.name = "tiny";
  ds.format = "files";
  ds.corpus_fingerprint = "tiny-v1";
  ds.read_corpus = [](const DocumentSink& sink) {
    sink({"d1", "", "apple banana"});
    sink({"d2", "", "apple apple apple cherry"});
    sink({"d3", "", "banana cherry durian"});
    sink({"d4", "", "elderberry fig"});
  };
  ds.topics = {{"q1", "apple"}, {"q2", "banana cherry"}, {"q3", "unjudged topic apple"}, {"q4", "zzz nothing"}};
  ds.qrels = {{"q1", {{"d1", 1}, {"d2", 0}}}, {"q2", {{"d3", 2}, {"d1", 1}}}, {"q4", {{"d4", 1}}}};
  return ds;
}

struct Fixture {
  TempDir dir;
  Dataset ds = small_dataset();
  std::unique_ptr<Bm25Searcher> searcher;
  Fixture() {
    build_index(dir / "idx", IndexSettings{}, ds.read_corpus, ds.corpus_fingerprint);
    searcher = std::make_unique<Bm25Searcher>(dir / "idx");
  }
};

TEST(LatencyStats, NearestRankPercentiles) {
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);
  const LatencySummary s = summarize_latency(samples);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.p50_ms, 50);
  EXPECT_DOUBLE_EQ(s.p95_ms, 95);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99);
  EXPECT_DOUBLE_EQ(s.max_ms, 100);
  EXPECT_DOUBLE_EQ(s.mean_ms, 50.5);
  EXPECT_DOUBLE_EQ(summarize_latency({7}).p99_ms, 7);
  EXPECT_EQ(summarize_latency({}).count, 0u);
}

TEST(EvalRunner, JudgedTopicsOnlyAndMaxQueries) {
  const Dataset ds = small_dataset();
  const auto all = topics_to_evaluate(ds, 0);
  ASSERT_EQ(all.size(), 3u);  // q3 has no judgments
  EXPECT_EQ(all[2].id, "q4");
  ASSERT_EQ(topics_to_evaluate(ds, 2).size(), 2u);
}

TEST(EvalRunner, RerankersReorderFirstStageCandidates) {
  Fixture f;
  auto table = std::make_shared<TableRanker>(std::map<std::string, double>{{"d1", 5}, {"d2", 1}, {"d3", 9}});
  RunnerOptions options;
  options.top_k = 2;
  const auto topics = topics_to_evaluate(f.ds, 0);
  const auto systems = run_systems(topics, *f.searcher, {{"table", table, ""}}, options);
  ASSERT_EQ(systems.size(), 2u);
  const SystemRun& bm25 = systems[0];
  EXPECT_TRUE(bm25.first_stage);
  EXPECT_EQ(bm25.name, "bm25-first-stage");
  // q1 "apple": d2 (tf 3) above d1.
  ASSERT_EQ(bm25.run.at("q1").size(), 2u);
  EXPECT_EQ(bm25.run.at("q1")[0].docid, "d2");
  EXPECT_EQ(bm25.run.at("q1")[1].docid, "d1");
  EXPECT_TRUE(bm25.run.at("q4").empty());  // no term matches
  const SystemRun& reranked = systems[1];
  EXPECT_EQ(reranked.model, "table-model");
  ASSERT_EQ(reranked.run.at("q1").size(), 2u);
  EXPECT_EQ(reranked.run.at("q1")[0].docid, "d1");
  EXPECT_DOUBLE_EQ(reranked.run.at("q1")[0].score, 5);
  EXPECT_EQ(reranked.run.at("q1")[1].docid, "d2");
  // One latency sample per topic, in topic order, for every system.
  EXPECT_EQ(bm25.latency_ms.size(), 3u);
  EXPECT_EQ(reranked.latency_ms.size(), 3u);
  EXPECT_DOUBLE_EQ(reranked.latency_ms[2], 0.0);  // q4 had no candidates: nothing scored
  EXPECT_EQ(table->calls, 2);
  EXPECT_EQ(reranked.pairs, 4u);
}

TEST(EvalRunner, ConcurrentQueriesGiveTheSameRankingsAndOneCallEach) {
  Fixture f;
  auto table = std::make_shared<TableRanker>(std::map<std::string, double>{{"d1", 5}, {"d2", 1}, {"d3", 9}});
  const auto topics = topics_to_evaluate(f.ds, 0);
  RunnerOptions one;
  RunnerOptions three;
  three.concurrency = 3;
  const auto a = run_systems(topics, *f.searcher, {{"table", table, ""}}, one);
  const int calls_alone = table->calls;
  const auto b = run_systems(topics, *f.searcher, {{"table", table, ""}}, three);
  EXPECT_EQ(table->calls - calls_alone, calls_alone) << "one call per query with candidates, whatever the concurrency";
  ASSERT_EQ(a[1].run.size(), b[1].run.size());
  for (const auto& [qid, entries] : a[1].run) {
    ASSERT_EQ(entries.size(), b[1].run.at(qid).size());
    for (std::size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].docid, b[1].run.at(qid)[i].docid);
  }
  EXPECT_EQ(b[1].latency_ms.size(), 3u);
}

TEST(EvalRunner, RankerErrorsNameModelAndQuery) {
  Fixture f;
  auto failing = std::make_shared<TableRanker>(std::map<std::string, double>{}, true);
  try {
    run_systems(topics_to_evaluate(f.ds, 0), *f.searcher, {{"broken-model", failing, ""}}, RunnerOptions{});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Backend);
    EXPECT_NE(std::string(e.what()).find("broken-model"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("q1"), std::string::npos) << e.what();
  }
}

TEST(EvalReport, MetricsFromTrecEvalAndOutputs) {
  Fixture f;
  auto table = std::make_shared<TableRanker>(std::map<std::string, double>{{"d1", 5}, {"d2", 1}, {"d3", 9}});
  RunnerOptions options;
  options.top_k = 2;
  const auto topics = topics_to_evaluate(f.ds, 0);
  const auto systems = run_systems(topics, *f.searcher, {{"table:x/y", table, ""}}, options);
  EvalReport report = make_eval_report(f.ds, topics, systems, {"map", "ndcg_cut.10", "recip_rank", "num_q"});
  report.top_k = 2;
  ASSERT_EQ(report.systems.size(), 2u);
  EXPECT_EQ(report.systems[1].slug, "table_x_y");
  EXPECT_EQ(primary_measure(report), "ndcg_cut_10");
  // bm25: q1 d2(0) d1(1) -> RR 1/2; q2 "banana cherry": d3 has both words -> RR 1; q4 empty -> 0 (-c).
  EXPECT_DOUBLE_EQ(report.systems[0].metrics.at("num_q"), 3);
  EXPECT_NEAR(report.systems[0].metrics.at("recip_rank"), (0.5 + 1 + 0) / 3, 1e-12);
  // reranked: q1 d1 first -> RR 1; q2 d3 (9) first -> 1.
  EXPECT_NEAR(report.systems[1].metrics.at("recip_rank"), (1 + 1 + 0) / 3.0, 1e-12);
  EXPECT_NEAR(report.systems[1].per_query.at("q1").at("recip_rank"), 1.0, 1e-12);
  EXPECT_EQ(report.systems[1].latency.count, 3u);
  EXPECT_GT(report.systems[1].pairs_per_s, 0);

  const nlohmann::json j = report_to_json(report, true);
  EXPECT_TRUE(j["systems"][0]["metrics"].contains("ndcg_cut_10"));
  EXPECT_TRUE(j["systems"][1]["latency_ms"].contains("p99"));
  EXPECT_TRUE(j["systems"][1]["per_query"].contains("q2"));
  EXPECT_FALSE(report_to_json(report, false)["systems"][1].contains("per_query"));

  std::ostringstream table_out;
  print_metrics_table(table_out, report);
  EXPECT_NE(table_out.str().find("ndcg_cut_10"), std::string::npos);
  EXPECT_NE(table_out.str().find("table:x/y"), std::string::npos);

  TempDir out;
  const WrittenFiles files = write_eval_outputs(out.path(), report, systems);
  ASSERT_EQ(files.run_files.size(), 2u);
  const std::string run = rerank::testing::read_file(out / "runs" / "table_x_y.run");
  EXPECT_EQ(run.rfind("q1 Q0 d1 1 ", 0), 0u) << run;
  const std::string pq = rerank::testing::read_file(out / "per_query" / "bm25-first-stage.tsv");
  const std::string header = pq.substr(0, pq.find('\n'));
  EXPECT_EQ(header.rfind("qid\t", 0), 0u) << pq;
  EXPECT_NE(header.find("\tndcg_cut_10"), std::string::npos) << header;
  EXPECT_NE(header.find("\tlatency_ms"), std::string::npos) << header;
  EXPECT_EQ(header.find("num_q"), std::string::npos) << header;
  const auto metrics = nlohmann::json::parse(rerank::testing::read_file(files.metrics_json));
  EXPECT_EQ(metrics["systems"].size(), 2u);
  const std::string html = rerank::testing::read_file(files.report_html);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("table:x/y"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(EvalReport, HtmlEscapesNames) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  EvalReport report;
  report.measure_names = {"map"};
  SystemReport s;
  s.name = "<script>alert(1)</script>";
  s.metrics["map"] = 0.5;
  report.systems.push_back(s);
  const std::string svg = quality_latency_svg(report);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
}

TEST(EvalReport, SlugsAreSafeAndUnique) {
  EXPECT_EQ(system_slug("../etc/passwd", {}), "_etc_passwd");
  EXPECT_EQ(system_slug("bm25", {"bm25"}), "bm25-2");
  EXPECT_EQ(system_slug("bm25", {"bm25", "bm25-2"}), "bm25-3");
  EXPECT_EQ(system_slug("", {}), "model");
}

}  // namespace
}  // namespace rerank::eval
