#include "eval/report/report_writers.hpp"

#include <fstream>

#include <fmt/format.h>

#include "eval/report/html_report.hpp"
#include "eval/trec_eval/trec_files.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

namespace {

bool is_count(const std::string& name) {
  return name == "num_q" || name == "num_ret" || name == "num_rel" || name == "num_rel_ret" ||
         name == "num_nonrel_judged_ret";
}

std::string format_value(const std::string& name, double v) {
  return is_count(name) ? fmt::format("{:.0f}", v) : fmt::format("{:.4f}", v);
}

nlohmann::json latency_json(const LatencySummary& l) {
  return {{"count", l.count}, {"mean", l.mean_ms}, {"p50", l.p50_ms}, {"p95", l.p95_ms}, {"p99", l.p99_ms}, {"max", l.max_ms}};
}

std::ofstream open_for_writing(const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::InvalidArgument, "cannot write " + path.string() + ": check the --output folder");
  return out;
}

void finish(std::ofstream& out, const std::filesystem::path& path) {
  out.flush();
  if (!out) throw Error(ErrorCode::InvalidArgument, "writing " + path.string() + " failed (disk full?)");
}

}  // namespace

void print_metrics_table(std::ostream& out, const EvalReport& report) {
  std::size_t name_width = 6;
  for (const SystemReport& s : report.systems) name_width = std::max(name_width, s.name.size());
  std::vector<std::string> measures;
  for (const std::string& m : report.measure_names) {
    if (m != "num_q") measures.push_back(m);
  }
  std::string header = fmt::format("{:<{}}", "system", name_width);
  for (const std::string& m : measures) header += fmt::format("  {:>{}}", m, std::max<std::size_t>(m.size(), 6));
  header += fmt::format("  {:>9}  {:>9}  {:>9}  {:>10}  {:>10}", "p50_ms", "p95_ms", "p99_ms", "e2e_p50_ms", "pairs/s");
  out << fmt::format("{} queries, top-k {}, {} ({})\n", report.num_queries, report.top_k, report.dataset_name,
                     report.dataset_format);
  out << header << "\n";
  for (const SystemReport& s : report.systems) {
    std::string row = fmt::format("{:<{}}", s.name, name_width);
    for (const std::string& m : measures) {
      auto it = s.metrics.find(m);
      const std::string v = it == s.metrics.end() ? "-" : format_value(m, it->second);
      row += fmt::format("  {:>{}}", v, std::max<std::size_t>(m.size(), 6));
    }
    row += fmt::format("  {:>9.3f}  {:>9.3f}  {:>9.3f}  {:>10.3f}  {:>10.0f}", s.latency.p50_ms, s.latency.p95_ms,
                       s.latency.p99_ms, s.end_to_end_latency.p50_ms, s.pairs_per_s);
    out << row << "\n";
  }
  out << "latency: per query, ms (bm25: search; rerankers: scoring only; e2e: search + scoring)\n";
  // What a system spent besides time: a listwise LLM's calls and failed windows, tokens.
  for (const SystemReport& s : report.systems) {
    if (!s.usage.is_object() || !s.usage.contains("llm_calls")) continue;
    out << fmt::format("{}: {} LLM calls, {} failed windows", s.name, s.usage.value("llm_calls", std::uint64_t{0}),
                       s.usage.value("failed_windows", std::uint64_t{0}));
    if (s.usage.contains("total_tokens")) out << fmt::format(", {} tokens", s.usage.value("total_tokens", std::uint64_t{0}));
    out << "\n";
  }
}

nlohmann::json report_to_json(const EvalReport& report, bool per_query) {
  nlohmann::json j;
  j["dataset"] = {{"name", report.dataset_name},
                  {"format", report.dataset_format},
                  {"path", report.dataset_path},
                  {"queries", report.num_queries},
                  {"notes", report.dataset_notes}};
  j["settings"] = {{"retriever", "bm25"},
                   {"top_k", report.top_k},
                   {"k1", report.index.settings.k1},
                   {"b", report.index.settings.b},
                   {"stemmer", report.index.settings.stemmer},
                   {"stopwords", report.index.settings.stopwords},
                   {"index", report.index_path},
                   {"index_documents", report.index.num_docs},
                   {"concurrency", report.concurrency},
                   {"measures", report.measure_names},
                   {"evaluation", "trec_eval measures over the evaluated judged queries, with -c"},
                   {"latency_percentiles", "nearest rank"}};
  nlohmann::json systems = nlohmann::json::array();
  for (const SystemReport& s : report.systems) {
    nlohmann::json sj = {{"name", s.name},
                         {"slug", s.slug},
                         {"model", s.model},
                         {"type", s.type},
                         {"first_stage", s.first_stage},
                         {"metrics", s.metrics},
                         {"latency_ms", latency_json(s.latency)},
                         {"end_to_end_latency_ms", latency_json(s.end_to_end_latency)},
                         {"pairs", s.pairs},
                         {"pairs_per_s", s.pairs_per_s},
                         {"queries_per_s", s.queries_per_s},
                         {"usage", s.usage},
                         {"run_file", "runs/" + s.slug + ".run"},
                         {"per_query_file", "per_query/" + s.slug + ".tsv"}};
    if (per_query) {
      nlohmann::json pq = nlohmann::json::object();
      for (const auto& [qid, values] : s.per_query) {
        nlohmann::json q(values);
        auto lat = s.latency_by_query.find(qid);
        if (lat != s.latency_by_query.end()) q["latency_ms"] = lat->second;
        pq[qid] = std::move(q);
      }
      sj["per_query"] = std::move(pq);
    }
    systems.push_back(std::move(sj));
  }
  j["systems"] = std::move(systems);
  return j;
}

void write_per_query_tsv(std::ostream& out, const EvalReport& report, const SystemReport& system) {
  std::vector<std::string> measures;
  for (const std::string& m : report.measure_names) {
    if (m != "num_q") measures.push_back(m);
  }
  out << "qid";
  for (const std::string& m : measures) out << '\t' << m;
  out << "\tlatency_ms\n";
  for (const auto& [qid, values] : system.per_query) {
    out << qid;
    for (const std::string& m : measures) {
      auto it = values.find(m);
      out << '\t' << (it == values.end() ? std::string() : fmt::format("{:.4f}", it->second));
    }
    auto lat = system.latency_by_query.find(qid);
    out << '\t' << (lat == system.latency_by_query.end() ? std::string() : fmt::format("{:.3f}", lat->second)) << '\n';
  }
}

WrittenFiles write_eval_outputs(const std::filesystem::path& dir, const EvalReport& report,
                                const std::vector<SystemRun>& systems) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "runs", ec);
  std::filesystem::create_directories(dir / "per_query", ec);
  if (ec) throw Error(ErrorCode::InvalidArgument, "cannot create " + dir.string() + ": " + ec.message());
  WrittenFiles files;
  for (std::size_t i = 0; i < report.systems.size() && i < systems.size(); ++i) {
    const SystemReport& s = report.systems[i];
    const std::filesystem::path run_path = dir / "runs" / (s.slug + ".run");
    try {
      trec_eval::write_run_file(run_path, systems[i].run, s.slug);
    } catch (const Error& e) {
      throw Error(ErrorCode::InvalidArgument, "cannot write " + run_path.string() + ": " + e.what());
    }
    files.run_files.push_back(run_path);
    const std::filesystem::path pq_path = dir / "per_query" / (s.slug + ".tsv");
    std::ofstream pq = open_for_writing(pq_path);
    write_per_query_tsv(pq, report, s);
    finish(pq, pq_path);
    files.per_query_files.push_back(pq_path);
  }
  files.metrics_json = dir / "metrics.json";
  std::ofstream js = open_for_writing(files.metrics_json);
  js << report_to_json(report, true).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  finish(js, files.metrics_json);
  files.report_html = dir / "report.html";
  std::ofstream html = open_for_writing(files.report_html);
  write_html_report(html, report);
  finish(html, files.report_html);
  return files;
}

}  // namespace rerank::eval
