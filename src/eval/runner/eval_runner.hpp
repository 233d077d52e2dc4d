// The evaluation runner: BM25 first stage over an index, then each reranker over the same
// candidates, query by query. It keeps only what evaluation needs (ranked ids and scores,
// latency samples), never the corpus or more than one query's candidate texts, so memory is
// bounded by queries × top-k ids, whatever the corpus size.
#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/datasets/dataset.hpp"
#include "eval/index/bm25_index.hpp"
#include "eval/trec_eval/trec_files.hpp"
#include "rerank/ranker.hpp"

namespace rerank::eval {

// One system under evaluation: the first stage itself, or a reranker of its candidates.
struct SystemRun {
  std::string name;          // unique in the report (system_names)
  std::string model;         // RankerInfo::model (or "xapian-bm25")
  std::string type;          // RankerInfo::type (or "first-stage")
  bool first_stage = false;
  trec_eval::Run run;        // qid -> (docid, score) in this system's rank order
  std::vector<double> latency_ms;  // one sample per query: search time, or scoring time
  std::size_t pairs = 0;           // (query, document) pairs scored; first stage: hits returned
  double busy_seconds = 0;         // sum of latency_ms / 1000
  // The rankers' usage summed over every call: each top-level count they report (tokens, a
  // listwise LLM's llm_calls and failed_windows, a hosted API's requests, ...).
  nlohmann::json usage = nlohmann::json::object();
};

struct RerankerSpec {
  std::string spec;                // as given with --model
  std::shared_ptr<const Ranker> ranker;
  std::string label;               // --label; empty: derived from the spec (system_names)
};

// The systems' names in the report, first stage first: "bm25-first-stage", then each
// reranker's label, else its folder's basename (a local checkpoint), else its spec (bm25,
// org/name, shape:NAME); a name already taken gets "-2", "-3", ... so every name is unique.
std::vector<std::string> system_names(const std::vector<RerankerSpec>& rerankers);

struct RunnerOptions {
  std::size_t top_k = 100;         // candidates retrieved and reranked per query
  std::size_t max_queries = 0;     // 0: every judged topic
  // Queries scored at once, each its own call (a model ranker's runtime merges concurrent
  // calls into shared forward passes); each query's latency is its own call's.
  std::size_t concurrency = 1;
  ScoreOptions score_options;
  std::ostream* progress = nullptr;  // progress lines (stderr in the CLI); null: silent
  double progress_interval_s = 2.0;
};

// The topics the runner evaluates: judged topics (those with qrels), the first max_queries.
std::vector<Topic> topics_to_evaluate(const Dataset& dataset, std::size_t max_queries);

// Runs the first stage and every reranker over `topics`. A ranker error stops the run with
// an Error naming the model and the query. Queries with no BM25 hit get an empty ranking
// (they still count, as zeros, in the metrics).
std::vector<SystemRun> run_systems(const std::vector<Topic>& topics, const Bm25Searcher& searcher,
                                   const std::vector<RerankerSpec>& rerankers, const RunnerOptions& options);

}  // namespace rerank::eval
