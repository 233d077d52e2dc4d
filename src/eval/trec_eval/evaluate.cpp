#include "eval/trec_eval/evaluate.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "eval/trec_eval/evaluator.hpp"
#include "eval/trec_eval/measures.hpp"
#include "rerank/error.hpp"

namespace rerank::eval::trec_eval {

namespace {

bool is_number(std::string_view s) {
  if (s.empty()) return false;
  const std::string str(s);
  char* end = nullptr;
  std::strtod(str.c_str(), &end);
  return end == str.c_str() + str.size();
}

}  // namespace

std::string measure_argument(const std::string& name) {
  const std::string base = name.substr(0, name.find('.'));
  if (find_measure(base) || find_nickname(base)) return name;
  // "<measure>_<number>": split at the last '_' whose prefix is a cutoff measure.
  for (std::size_t pos = name.rfind('_'); pos != std::string::npos && pos > 0;
       pos = name.rfind('_', pos - 1)) {
    const MeasureDef* def = find_measure(name.substr(0, pos));
    const std::string rest = name.substr(pos + 1);
    if (def && (def->param_kind == ParamKind::LongCutoffs || def->param_kind == ParamKind::DoubleCutoffs) &&
        is_number(rest)) {
      return std::string(def->name) + "." + rest;
    }
    if (pos == 0) break;
  }
  throw Error(ErrorCode::InvalidArgument, fmt::format("unknown trec_eval measure '{}'", name));
}

MeasureValues evaluate(const Qrels& qrels, const Run& run, const std::vector<std::string>& measures,
                       const EvaluateOptions& options) {
  // Merge the cutoffs given for one measure in several entries into one -m argument.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& m : measures) {
    const std::string arg = measure_argument(m);
    const auto dot = arg.find('.');
    const std::string name = arg.substr(0, dot);
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
    if (dot == std::string::npos) continue;
    const MeasureDef* def = find_measure(name);
    auto& list = params[name];
    const std::string text = arg.substr(dot + 1);
    if (def && (def->param_kind == ParamKind::LongCutoffs || def->param_kind == ParamKind::DoubleCutoffs)) {
      std::size_t start = 0;
      while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const std::string piece =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const bool dup = std::any_of(list.begin(), list.end(), [&](const std::string& p) {
          return std::strtod(p.c_str(), nullptr) == std::strtod(piece.c_str(), nullptr);
        });
        if (!dup) list.push_back(piece);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (list.empty()) {
      list.push_back(text);
    }
  }
  std::vector<std::string> args;
  for (const auto& name : order) {
    const auto it = params.find(name);
    if (it == params.end() || it->second.empty()) {
      args.push_back(name);
      continue;
    }
    std::string joined;
    for (const auto& p : it->second) joined += (joined.empty() ? "" : ",") + p;
    args.push_back(name + "." + joined);
  }

  EvalConfig config;
  config.measures = select_measures(args);
  config.ranking.relevance_level = options.relevance_level;
  config.ranking.max_docs = options.max_docs_per_query;
  config.ranking.judged_docs_only = options.judged_docs_only;
  config.num_docs_in_coll = options.num_docs_in_coll;
  config.complete = options.complete;
  const Evaluation ev = evaluate_run(qrels, run, "", config);

  MeasureValues out;
  std::size_t offset = 0;
  for (const auto& m : config.measures) {
    const bool numeric = m.def->summary != Summary::RunId && m.def->summary != Summary::None;
    for (std::size_t k = 0; k < m.value_names.size(); ++k) {
      const std::string& name = m.value_names[k];
      if (numeric) {
        out.names.push_back(name);
        out.aggregate[name] = ev.summary[offset + k];
      }
      if (numeric && m.def->per_query) {
        for (const auto& q : ev.queries) out.per_query[q.qid][name] = q.values[offset + k];
      }
    }
    offset += m.value_names.size();
  }
  return out;
}

}  // namespace rerank::eval::trec_eval
