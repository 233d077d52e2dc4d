// trec_eval's measures: names, parameters, how each is computed for one query and how it is
// summarised over queries. Definitions follow trec_eval 10.x (usnistgov/trec_eval) exactly,
// including its edge cases; docs/trec_eval.md lists them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eval/trec_eval/judged_ranking.hpp"

namespace rerank::eval::trec_eval {

enum class ParamKind {
  None,           // no parameters (map, bpref, ...)
  LongCutoffs,    // "-m P.5,10": integer cutoffs, sorted, positive, no duplicates; one value each
  DoubleCutoffs,  // "-m iprec_at_recall.0.1,0.5": sorted, no duplicates; one value each
  DoubleParams,   // "-m utility.1,-1,0,0": an ordered list of numbers; one value
  Pairs,          // "-m ndcg.1=3,2=9": name=number pairs (gains per level, rbp's p); one value
};

// How per-query values become the summary line ("all").
enum class Summary {
  Mean,     // arithmetic mean over evaluated queries
  Sum,      // total (num_ret, num_rel, ...), printed as an integer
  GeoMean,  // per-query values are logs; summary is exp(mean)
  NumQ,     // number of evaluated queries
  RunId,    // the run's id, printed as text
  None,     // not summarised (relstring)
};

struct MeasureParams {
  std::vector<long> long_cutoffs;
  std::vector<double> doubles;  // DoubleCutoffs (sorted) or DoubleParams (as given)
  std::vector<std::pair<std::string, double>> pairs;
  std::string printable;  // the parameter text from -m, empty when the defaults are used
};

struct MeasureContext {
  long relevance_level = 1;   // -l
  long num_docs_in_coll = 0;  // -N (utility's fourth coefficient)
};

// Computes the values of one measure for one query into `out` (pre-zeroed, one slot per value
// name). `text` receives relstring's string; other measures ignore it.
using ComputeSignature = void(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p,
                              std::span<double> out, std::string* text);
using ComputeFn = ComputeSignature*;

struct MeasureDef {
  std::string_view name;
  ParamKind param_kind;
  std::string_view default_params;  // parsed like -m parameters; empty for none
  Summary summary;
  bool per_query;  // printed for each query with -q
  bool integer;    // printed with %ld (counts)
  ComputeFn compute;
};

// All supported measures in trec_eval's evaluation and printing order.
const std::vector<MeasureDef>& all_measures();
const MeasureDef* find_measure(std::string_view name);
// Members of a nickname ("official", "set", "all_trec"), or nullptr when `name` is not one.
const std::vector<std::string_view>* find_nickname(std::string_view name);
// True for trec_eval measures/nicknames that need other input formats (prefs, qrels_jg, ...).
bool is_unsupported_trec_eval_measure(std::string_view name);

// Parses a -m parameter string for `def`. `from_user` keeps the text as the printable suffix of
// the value names (trec_eval renames "relstring" to "relstring_20" when given ".20").
// Throws Error(InvalidArgument) for bad parameters (non-positive or duplicate cutoffs, ...).
MeasureParams parse_measure_params(const MeasureDef& def, std::string_view text, bool from_user);
MeasureParams default_measure_params(const MeasureDef& def);

// Names of the values a measure produces with these parameters ("P_5", "iprec_at_recall_0.10").
std::vector<std::string> measure_value_names(const MeasureDef& def, const MeasureParams& params);

// Compute functions, grouped by file; measures_basic.cpp first.
namespace measures {
ComputeSignature num_q;
ComputeSignature num_ret;
ComputeSignature num_rel;
ComputeSignature num_rel_ret;
ComputeSignature num_nonrel_judged_ret;
ComputeSignature map;
ComputeSignature gm_map;
ComputeSignature Rprec;
ComputeSignature recip_rank;
ComputeSignature P;
ComputeSignature relstring;
ComputeSignature recall;
ComputeSignature utility;
ComputeSignature binG;
ComputeSignature map_cut;
ComputeSignature relative_P;
ComputeSignature success;
ComputeSignature set_P;
ComputeSignature set_relative_P;
ComputeSignature set_recall;
ComputeSignature set_map;
ComputeSignature set_F;
ComputeSignature unj;
// measures_judged.cpp: measures that treat unjudged documents specially.
ComputeSignature bpref;
ComputeSignature gm_bpref;
ComputeSignature infAP;
ComputeSignature rbp_resid;
// measures_interp.cpp: recall/precision interpolation.
ComputeSignature iprec_at_recall;
ComputeSignature pt11_avg;
ComputeSignature Rprec_mult;
// measures_gain.cpp: graded-gain measures.
ComputeSignature G;
ComputeSignature dcg;
ComputeSignature ideal_dcg;
ComputeSignature ndcg;
ComputeSignature ndcg_rel;
ComputeSignature Rndcg;
ComputeSignature ndcg_cut;
ComputeSignature rbp;
}  // namespace measures

}  // namespace rerank::eval::trec_eval
