// trec_eval's command line, parsed exactly like its getopt_long call:
//   short options "hvqm:cl:nD:JN:M:R:T:oZ:" (clustered "-qc", arguments attached "-mP.5" or
//   separate "-m P.5"), long options (--measure=P.5, --measure P.5, unique prefixes such as
//   --meas), options and the two file operands in any order, "--" ending options, and "-" as
//   the results file meaning standard input. Numeric arguments are read like C atol.
#pragma once

#include <climits>
#include <string>
#include <vector>

#include "eval/trec_eval/evaluator.hpp"
#include "eval/trec_eval/text_report.hpp"

namespace rerank::eval::trec_eval {

struct TrecEvalArgs {
  bool help = false;
  bool version = false;
  bool query_eval = false;                      // -q
  bool complete = false;                        // -c
  bool summary = true;                          // -n clears it
  bool judged_docs_only = false;                // -J
  long relevance_level = 1;                     // -l
  long max_docs = LONG_MAX;                     // -M
  long num_docs_in_coll = 0;                    // -N
  long debug_level = 0;                         // -D (accepted; no debug output is printed)
  std::string debug_query;                      // -D <level>.<qid>
  std::vector<std::string> measures;            // -m, in order
  std::string rel_info_format = "qrels";        // -R
  std::string results_format = "trec_results";  // -T
  std::string zscore_file;                      // -Z
  std::string qrels_path;
  std::string results_path;
};

// Throws Error(InvalidArgument) with a usage message for unknown options, missing option
// arguments or a wrong number of file operands (unless -h/-v was given).
TrecEvalArgs parse_trec_eval_args(const std::vector<std::string>& args);

// The evaluation and report settings the arguments ask for. Throws Error(InvalidArgument) for
// bad measures, Error(NotSupported) for -R/-T formats other than qrels/trec_results and -Z.
EvalConfig make_eval_config(const TrecEvalArgs& args);
ReportOptions make_report_options(const TrecEvalArgs& args);

std::string trec_eval_usage();
std::string trec_eval_help();

}  // namespace rerank::eval::trec_eval
