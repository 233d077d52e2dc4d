// Writing an EvalReport: the metrics table, the JSON summary, per-query metrics, and the
// whole output folder of `rerank eval`.
#pragma once

#include <filesystem>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/report/eval_report.hpp"

namespace rerank::eval {

// A fixed-width table: one row per system with every measure, p50/p95/p99 latency (ms, the
// system's own work), end-to-end p50 and pairs/s.
void print_metrics_table(std::ostream& out, const EvalReport& report);

// {"dataset":{...},"settings":{...},"systems":[{"name","metrics":{"ndcg_cut_10":..},
//  "latency_ms":{"p50",...},"end_to_end_latency_ms":{...},"pairs","pairs_per_s",...}]}
// Metric keys are trec_eval's value names. With per_query, each system also carries
// "per_query": {qid: {name: value, "latency_ms": ms}}.
nlohmann::json report_to_json(const EvalReport& report, bool per_query);

// One TSV per system: header "qid<TAB>measure...<TAB>latency_ms", one row per query.
void write_per_query_tsv(std::ostream& out, const EvalReport& report, const SystemReport& system);

struct WrittenFiles {
  std::filesystem::path metrics_json;
  std::filesystem::path report_html;
  std::vector<std::filesystem::path> run_files;
  std::vector<std::filesystem::path> per_query_files;
};

// Writes into `dir` (created if needed): metrics.json, report.html, runs/<slug>.run (TREC
// run files, run id = slug), per_query/<slug>.tsv. Throws Error(InvalidArgument) when a file
// cannot be written.
WrittenFiles write_eval_outputs(const std::filesystem::path& dir, const EvalReport& report,
                                const std::vector<SystemRun>& systems);

}  // namespace rerank::eval
