// trec_eval's text output: "%-22s\t%s\t%6.4f" lines (measure, qid or "all", value), counts as
// integers, runid and relstring as text.
#pragma once

#include <string>

#include "eval/trec_eval/evaluator.hpp"

namespace rerank::eval::trec_eval {

struct ReportOptions {
  bool per_query = false;  // -q: each query's values before the summary
  bool summary = true;     // -n turns the summary off
};

std::string format_trec_eval_report(const EvalConfig& config, const Evaluation& evaluation,
                                    const ReportOptions& options);

}  // namespace rerank::eval::trec_eval
