#include "eval/trec_eval/evaluator.hpp"

#include <cmath>
#include <span>

#include <fmt/format.h>

#include "rerank/error.hpp"

namespace rerank::eval::trec_eval {

namespace {

// What trec_eval evaluates for a qrels query missing from the run under -c: one document that
// is in no pool. Its side effects on a few values are undone afterwards (reset_missing_query).
const std::vector<RunEntry>& missing_query_ranking() {
  static const std::vector<RunEntry> ranking = {RunEntry{"ceci_nest_pas_un_docno", 1.0}};
  return ranking;
}

// trec_eval 10 resets these values (by exact value name) for a query evaluated through the
// placeholder ranking, so that a missing query contributes 0 retrieved documents and 0 utility.
void reset_missing_query(const std::vector<std::string>& names, std::vector<double>& values,
                         std::string& relstring) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    if (n == "num_ret" || n == "utility" || n.compare(0, 3, "unj") == 0 || n == "rbp_resid") values[i] = 0.0;
    if (n == "relstring") relstring.clear();
  }
}

}  // namespace

std::vector<MeasureRequest> select_measures(const std::vector<std::string>& measure_args) {
  const auto& table = all_measures();
  std::vector<bool> marked(table.size(), false);
  std::vector<std::string> user_params(table.size());
  std::vector<bool> has_user_params(table.size(), false);

  auto mark = [&](std::string_view name, const std::string& whole_arg) {
    for (std::size_t i = 0; i < table.size(); ++i) {
      if (table[i].name == name) {
        marked[i] = true;
        return;
      }
    }
    if (is_unsupported_trec_eval_measure(name)) {
      throw Error(ErrorCode::NotSupported,
                  fmt::format("measure '{}' needs trec_eval's prefs or qrels_jg input formats, which rerank "
                              "does not support",
                              whole_arg));
    }
    throw Error(ErrorCode::InvalidArgument, fmt::format("illegal measure '{}'", whole_arg));
  };

  std::vector<std::string> args = measure_args;
  if (args.empty()) args.push_back("official");
  for (const auto& arg : args) {
    const auto dot = arg.find('.');
    const std::string name = arg.substr(0, dot);
    if (dot != std::string::npos) {
      const std::string params = arg.substr(dot + 1);
      if (params.empty())
        throw Error(ErrorCode::InvalidArgument, fmt::format("improper measure '{}': empty parameters", arg));
      for (std::size_t i = 0; i < table.size(); ++i) {
        if (table[i].name == name && !has_user_params[i]) {
          has_user_params[i] = true;
          user_params[i] = params;
        }
      }
    }
    if (const auto* members = find_nickname(name)) {
      for (auto member : *members) mark(member, arg);
    } else {
      mark(name, arg);
    }
  }

  std::vector<MeasureRequest> out;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (!marked[i]) continue;
    MeasureRequest req;
    req.def = &table[i];
    req.params = has_user_params[i] ? parse_measure_params(table[i], user_params[i], true)
                                    : default_measure_params(table[i]);
    req.value_names = measure_value_names(table[i], req.params);
    out.push_back(std::move(req));
  }
  return out;
}

Evaluation evaluate_run(const Qrels& qrels, const Run& run, const std::string& run_id,
                        const EvalConfig& config) {
  std::vector<std::string> names;
  std::vector<std::size_t> offsets;
  for (const auto& m : config.measures) {
    offsets.push_back(names.size());
    names.insert(names.end(), m.value_names.begin(), m.value_names.end());
  }
  const MeasureContext ctx{config.ranking.relevance_level, config.num_docs_in_coll};

  Evaluation ev;
  ev.run_id = run_id;
  ev.summary.assign(names.size(), 0.0);
  for (const auto& [qid, judgments] : qrels) {
    if (!config.only_query.empty() && qid != config.only_query) continue;
    const auto found = run.find(qid);
    // An empty list (possible through the library API) is a query without results, as a run
    // file can only list queries that retrieved something.
    const bool missing = found == run.end() || found->second.empty();
    if (missing && !config.complete) continue;
    const auto& retrieved = missing ? missing_query_ranking() : found->second;
    const JudgedRanking ranking = judge_ranking(qid, judgments, retrieved, config.ranking);

    QueryEvaluation q;
    q.qid = qid;
    q.values.assign(names.size(), 0.0);
    for (std::size_t m = 0; m < config.measures.size(); ++m) {
      const auto& req = config.measures[m];
      if (!req.def->compute) continue;
      std::span<double> out(q.values.data() + offsets[m], req.value_names.size());
      req.def->compute(ranking, ctx, req.params, out, &q.relstring);
    }
    if (missing) reset_missing_query(names, q.values, q.relstring);
    for (std::size_t i = 0; i < names.size(); ++i) ev.summary[i] += q.values[i];
    ++ev.num_queries;
    ev.queries.push_back(std::move(q));
  }
  if (ev.num_queries == 0) {
    throw Error(ErrorCode::InvalidInput, "no queries with both results and relevance judgments");
  }

  const double n = static_cast<double>(ev.num_queries);
  for (std::size_t m = 0; m < config.measures.size(); ++m) {
    const auto& req = config.measures[m];
    for (std::size_t k = 0; k < req.value_names.size(); ++k) {
      double& v = ev.summary[offsets[m] + k];
      switch (req.def->summary) {
        case Summary::Mean:
          v /= n;
          break;
        case Summary::GeoMean:
          v = std::exp(v / n);
          break;
        case Summary::NumQ:
          v = n;
          break;
        case Summary::Sum:
        case Summary::RunId:
        case Summary::None:
          break;
      }
    }
  }
  return ev;
}

}  // namespace rerank::eval::trec_eval
