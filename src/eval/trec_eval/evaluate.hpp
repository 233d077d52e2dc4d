// Library entry point for computing trec_eval measures from in-memory qrels and runs (the eval
// runner's interface). Values are identical to `rerank trec-eval` / NIST trec_eval with the
// same settings; names are trec_eval's value names ("map", "ndcg_cut_10", "P_10",
// "recall_100", "recip_rank"), which are also the JSON keys.
//
// Thread-safety: evaluate() is a pure function of its arguments; concurrent calls are safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "eval/trec_eval/trec_files.hpp"

namespace rerank::eval::trec_eval {

struct EvaluateOptions {
  long relevance_level = 1;       // trec_eval -l
  long max_docs_per_query = -1;   // trec_eval -M (negative: no limit)
  bool complete = false;          // trec_eval -c: qrels queries missing from the run count as 0
  bool judged_docs_only = false;  // trec_eval -J
  long num_docs_in_coll = 0;      // trec_eval -N
};

struct MeasureValues {
  // Value names in trec_eval's output order.
  std::vector<std::string> names;
  // Summary over the evaluated queries: means, except counts (num_q, num_ret, num_rel,
  // num_rel_ret, num_nonrel_judged_ret: sums; num_q: number of queries) and gm_map/gm_bpref
  // (geometric means). runid and relstring are not included.
  std::map<std::string, double> aggregate;
  // qid -> name -> value, for the values trec_eval prints per query (-q): everything except
  // num_q, gm_map, gm_bpref, runid and relstring.
  std::map<std::string, std::map<std::string, double>> per_query;
};

// Computes `measures` for `run` against `qrels`. A measure is named like trec_eval's -m
// argument ("map", "ndcg_cut.10", "P.5,10", "recall.100", "all_trec", "official") or by its value
// name ("ndcg_cut_10", "recall_100", "iprec_at_recall_0.10"). Cutoffs requested for the same
// measure in separate entries are merged ("ndcg_cut.10" + "ndcg_cut.100" -> both values).
// Queries are those in `qrels` that have results, i.e. a non-empty list in `run` (all of `qrels`
// with options.complete); queries only in `run` are ignored, as in trec_eval.
// Throws Error(InvalidArgument) for unknown measures or bad parameters, Error(InvalidInput) when
// no query has both judgments and results or a query retrieves a document twice.
MeasureValues evaluate(const Qrels& qrels, const Run& run, const std::vector<std::string>& measures,
                       const EvaluateOptions& options = {});

// The -m form of a measure name: "ndcg_cut_10" -> "ndcg_cut.10"; names that already are -m
// arguments are returned unchanged. Throws Error(InvalidArgument) for unknown names.
std::string measure_argument(const std::string& name);

}  // namespace rerank::eval::trec_eval
