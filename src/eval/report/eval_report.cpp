#include "eval/report/eval_report.hpp"

#include <algorithm>

#include "eval/trec_eval/evaluate.hpp"

namespace rerank::eval {

const std::vector<std::string>& default_eval_measures() {
  static const std::vector<std::string> measures = {"map",         "ndcg_cut.10", "recip_rank", "P.10",
                                                    "recall.100", "recall.1000", "num_q"};
  return measures;
}

std::string system_slug(const std::string& name, const std::vector<std::string>& taken) {
  std::string slug;
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    slug += keep ? c : '_';
  }
  while (!slug.empty() && slug.front() == '.') slug.erase(0, 1);  // no hidden files or ".."
  if (slug.empty()) slug = "model";
  if (slug.size() > 80) slug.resize(80);
  std::string unique = slug;
  for (int n = 2; std::find(taken.begin(), taken.end(), unique) != taken.end(); ++n) unique = slug + "-" + std::to_string(n);
  return unique;
}

std::string primary_measure(const EvalReport& report) {
  const auto& names = report.measure_names;
  if (std::find(names.begin(), names.end(), "ndcg_cut_10") != names.end()) return "ndcg_cut_10";
  for (const std::string& n : names) {
    if (n != "num_q" && n != "num_ret" && n != "num_rel" && n != "num_rel_ret") return n;
  }
  return names.empty() ? std::string() : names.front();
}

EvalReport make_eval_report(const Dataset& dataset, const std::vector<Topic>& topics,
                            const std::vector<SystemRun>& systems, const std::vector<std::string>& measures) {
  EvalReport report;
  report.dataset_name = dataset.name;
  report.dataset_format = dataset.format;
  report.dataset_notes = dataset.notes;
  report.num_queries = topics.size();

  // Only the evaluated topics' judgments: with --max-queries the rest must not count.
  trec_eval::Qrels qrels;
  for (const Topic& t : topics) {
    auto it = dataset.qrels.find(t.id);
    if (it != dataset.qrels.end()) qrels.emplace(it->first, it->second);
  }
  trec_eval::EvaluateOptions options;
  options.complete = true;

  std::vector<std::string> taken;
  const std::vector<double>* first_stage_latency = nullptr;
  for (const SystemRun& s : systems) {
    if (s.first_stage) first_stage_latency = &s.latency_ms;
  }
  for (const SystemRun& s : systems) {
    SystemReport r;
    r.name = s.name;
    r.slug = system_slug(s.name, taken);
    taken.push_back(r.slug);
    r.model = s.model;
    r.type = s.type;
    r.first_stage = s.first_stage;
    trec_eval::MeasureValues values = trec_eval::evaluate(qrels, s.run, measures, options);
    if (report.measure_names.empty()) report.measure_names = values.names;
    r.metrics = std::move(values.aggregate);
    r.per_query = std::move(values.per_query);
    r.latency = summarize_latency(s.latency_ms);
    // Latency samples are in topic order, one per topic (see run_systems).
    std::vector<double> end_to_end = s.latency_ms;
    if (!s.first_stage && first_stage_latency && first_stage_latency->size() == end_to_end.size()) {
      for (std::size_t i = 0; i < end_to_end.size(); ++i) end_to_end[i] += (*first_stage_latency)[i];
    }
    for (std::size_t i = 0; i < s.latency_ms.size() && i < topics.size(); ++i) r.latency_by_query[topics[i].id] = s.latency_ms[i];
    r.end_to_end_latency = summarize_latency(std::move(end_to_end));
    r.pairs = s.pairs;
    r.usage = s.usage;
    if (s.busy_seconds > 0) {
      r.pairs_per_s = static_cast<double>(s.pairs) / s.busy_seconds;
      r.queries_per_s = static_cast<double>(s.latency_ms.size()) / s.busy_seconds;
    }
    report.systems.push_back(std::move(r));
  }
  return report;
}

}  // namespace rerank::eval
