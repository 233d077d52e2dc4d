// Evaluates a run against qrels the way trec_eval's main loop does: queries in qrels order,
// queries without results skipped (or, with -c, evaluated as an empty ranking), each requested
// measure computed per query and summarised.
#pragma once

#include <string>
#include <vector>

#include "eval/trec_eval/judged_ranking.hpp"
#include "eval/trec_eval/measures.hpp"
#include "eval/trec_eval/trec_files.hpp"

namespace rerank::eval::trec_eval {

struct MeasureRequest {
  const MeasureDef* def = nullptr;
  MeasureParams params;
  std::vector<std::string> value_names;  // one per value; "P_5", "map", ...
};

// Resolves -m arguments ("all_trec", "P.5,10", "ndcg_cut.10") into measures in trec_eval's
// order. A measure's parameters come from the first argument naming it with parameters, as in
// trec_eval; no arguments means "official". Throws Error(InvalidArgument) for an unknown measure
// or bad parameters, Error(NotSupported) for measures that need the prefs/qrels_jg formats.
std::vector<MeasureRequest> select_measures(const std::vector<std::string>& measure_args);

struct EvalConfig {
  std::vector<MeasureRequest> measures;
  RankingOptions ranking;     // -l, -M, -J
  long num_docs_in_coll = 0;  // -N
  bool complete = false;      // -c: also evaluate qrels queries that have no results
  std::string only_query;     // -D <level>.<qid>: evaluate this query only (empty: all)
};

struct QueryEvaluation {
  std::string qid;
  std::vector<double> values;  // flat: every value of every measure, in config order
  std::string relstring;       // relstring's text when requested
};

struct Evaluation {
  std::vector<QueryEvaluation> queries;  // in qrels (byte) order
  std::vector<double> summary;           // flat like QueryEvaluation::values
  long num_queries = 0;
  std::string run_id;
};

// Throws Error(InvalidInput) when no query has both judgments and results, or on duplicate
// documents in a ranking.
Evaluation evaluate_run(const Qrels& qrels, const Run& run, const std::string& run_id,
                        const EvalConfig& config);

}  // namespace rerank::eval::trec_eval
