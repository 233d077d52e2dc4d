// What an evaluation produced, in the form every output (table, JSON, HTML) is written from:
// trec_eval metrics per system (aggregate and per query), latency and throughput.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eval/datasets/dataset.hpp"
#include "eval/index/bm25_index.hpp"
#include "eval/runner/eval_runner.hpp"
#include "eval/runner/latency_stats.hpp"

namespace rerank::eval {

// The measures `rerank eval` computes unless told otherwise (trec_eval -m arguments).
const std::vector<std::string>& default_eval_measures();

struct SystemReport {
  std::string name;  // "bm25" or the model spec
  std::string slug;  // file-name-safe, unique among the systems ("bm25", "shape_minilm-l6")
  std::string model;
  std::string type;
  bool first_stage = false;
  std::map<std::string, double> metrics;                              // trec_eval value name -> mean
  std::map<std::string, std::map<std::string, double>> per_query;     // qid -> name -> value
  std::map<std::string, double> latency_by_query;                    // qid -> ms (this system's own work)
  LatencySummary latency;             // this system's own work per query (search, or scoring)
  LatencySummary end_to_end_latency;  // first-stage search + this system's scoring, per query
  std::size_t pairs = 0;
  double pairs_per_s = 0;    // pairs / busy time (0 when nothing was timed)
  double queries_per_s = 0;  // queries / busy time
  nlohmann::json usage = nlohmann::json::object();  // SystemRun::usage (LLM calls, tokens, ...)
};

struct EvalReport {
  std::string dataset_name;
  std::string dataset_format;
  std::string dataset_path;
  std::vector<std::string> dataset_notes;
  std::size_t num_queries = 0;
  std::size_t top_k = 0;
  std::size_t concurrency = 1;  // queries scored at once (RunnerOptions::concurrency)
  IndexInfo index;
  std::string index_path;
  std::vector<std::string> measure_names;  // value names in trec_eval's order
  std::vector<SystemReport> systems;       // first stage first
};

// Scores every system with trec_eval (the qrels of `topics` only; -c, so a judged query
// with no results counts as zeros) and summarises latency. Throws what trec_eval::evaluate throws.
EvalReport make_eval_report(const Dataset& dataset, const std::vector<Topic>& topics,
                            const std::vector<SystemRun>& systems, const std::vector<std::string>& measures);

// The measure shown in summaries and plotted: ndcg_cut_10 when computed, else the first.
std::string primary_measure(const EvalReport& report);

// "shape:minilm-l6" -> "shape_minilm-l6"; made unique by appending -2, -3, ...
std::string system_slug(const std::string& name, const std::vector<std::string>& taken);

}  // namespace rerank::eval
