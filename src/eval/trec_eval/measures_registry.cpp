// The measure table (trec_eval's measures.c order), nicknames, and -m parameter parsing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "eval/trec_eval/measures.hpp"
#include "rerank/error.hpp"

namespace rerank::eval::trec_eval {

namespace {

constexpr std::string_view kDocCutoffs = "5,10,15,20,30,100,200,500,1000";
constexpr std::string_view kRecallLevels = "0.0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0";

std::vector<MeasureDef> build_table() {
  using namespace measures;
  using S = Summary;
  using K = ParamKind;
  // name, params, defaults, summary, per_query, integer, compute
  return {
      {"runid", K::None, "", S::RunId, false, false, nullptr},
      {"num_q", K::None, "", S::NumQ, false, true, num_q},
      {"num_ret", K::None, "", S::Sum, true, true, num_ret},
      {"num_rel", K::None, "", S::Sum, true, true, num_rel},
      {"num_rel_ret", K::None, "", S::Sum, true, true, num_rel_ret},
      {"map", K::None, "", S::Mean, true, false, map},
      {"gm_map", K::None, "", S::GeoMean, false, false, gm_map},
      {"Rprec", K::None, "", S::Mean, true, false, Rprec},
      {"bpref", K::None, "", S::Mean, true, false, bpref},
      {"recip_rank", K::None, "", S::Mean, true, false, recip_rank},
      {"iprec_at_recall", K::DoubleCutoffs, kRecallLevels, S::Mean, true, false, iprec_at_recall},
      {"P", K::LongCutoffs, kDocCutoffs, S::Mean, true, false, P},
      {"relstring", K::DoubleParams, "10", S::None, true, false, relstring},
      {"recall", K::LongCutoffs, kDocCutoffs, S::Mean, true, false, recall},
      {"infAP", K::None, "", S::Mean, true, false, infAP},
      {"gm_bpref", K::None, "", S::GeoMean, false, false, gm_bpref},
      {"Rprec_mult", K::DoubleCutoffs, "0.2,0.4,0.6,0.8,1.0,1.2,1.4,1.6,1.8,2.0", S::Mean, true, false,
       Rprec_mult},
      {"utility", K::DoubleParams, "1.0,-1.0,0.0,0.0", S::Mean, true, false, utility},
      {"11pt_avg", K::DoubleParams, kRecallLevels, S::Mean, true, false, pt11_avg},
      {"binG", K::None, "", S::Mean, true, false, binG},
      {"G", K::Pairs, "", S::Mean, true, false, G},
      {"dcg", K::Pairs, "", S::Mean, true, false, dcg},
      {"ideal_dcg", K::Pairs, "", S::Mean, true, false, ideal_dcg},
      {"ndcg", K::Pairs, "", S::Mean, true, false, ndcg},
      {"ndcg_rel", K::Pairs, "", S::Mean, true, false, ndcg_rel},
      {"Rndcg", K::Pairs, "", S::Mean, true, false, Rndcg},
      {"ndcg_cut", K::LongCutoffs, kDocCutoffs, S::Mean, true, false, ndcg_cut},
      {"map_cut", K::LongCutoffs, kDocCutoffs, S::Mean, true, false, map_cut},
      {"relative_P", K::LongCutoffs, kDocCutoffs, S::Mean, true, false, relative_P},
      {"success", K::LongCutoffs, "1,5,10", S::Mean, true, false, success},
      {"set_P", K::None, "", S::Mean, true, false, set_P},
      {"set_relative_P", K::None, "", S::Mean, true, false, set_relative_P},
      {"set_recall", K::None, "", S::Mean, true, false, set_recall},
      {"set_map", K::None, "", S::Mean, true, false, set_map},
      {"set_F", K::DoubleParams, "1.0", S::Mean, true, false, set_F},
      {"num_nonrel_judged_ret", K::None, "", S::Sum, true, true, num_nonrel_judged_ret},
      {"rbp", K::Pairs, "", S::Mean, true, false, rbp},
      {"rbp_resid", K::Pairs, "", S::Mean, true, false, rbp_resid},
      {"unj", K::LongCutoffs, "5,10,20", S::Mean, true, false, unj},
  };
}

struct Nickname {
  std::string_view name;
  std::vector<std::string_view> members;
};

const std::vector<Nickname>& nicknames() {
  static const std::vector<Nickname> table = {
      {"official",
       {"runid", "num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map", "Rprec", "bpref",
        "recip_rank", "iprec_at_recall", "P"}},
      {"set",
       {"runid", "num_q", "num_ret", "num_rel", "num_rel_ret", "utility", "set_P", "set_recall",
        "set_relative_P", "set_map", "set_F"}},
      {"all_trec",
       {"runid",
        "num_q",
        "num_ret",
        "num_rel",
        "num_rel_ret",
        "map",
        "gm_map",
        "Rprec",
        "bpref",
        "recip_rank",
        "iprec_at_recall",
        "P",
        "relstring",
        "recall",
        "unj",
        "rbp",
        "rbp_resid",
        "infAP",
        "gm_bpref",
        "utility",
        "11pt_avg",
        "ndcg",
        "relative_P",
        "Rprec_mult",
        "success",
        "map_cut",
        "ndcg_cut",
        "ndcg_rel",
        "Rndcg",
        "binG",
        "G",
        "set_P",
        "set_recall",
        "set_relative_P",
        "set_map",
        "set_F",
        "num_nonrel_judged_ret"}},
  };
  return table;
}

// C atol / atof: leading blanks, the longest numeric prefix, 0 when there is none.
long c_atol(std::string_view text) {
  const std::string s(text);
  return std::strtol(s.c_str(), nullptr, 10);
}
double c_atof(std::string_view text) {
  const std::string s(text);
  return std::strtod(s.c_str(), nullptr);
}

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

[[noreturn]] void bad_params(const MeasureDef& def, std::string_view text, const std::string& why) {
  throw Error(ErrorCode::InvalidArgument,
              fmt::format("illegal parameters '{}' for measure '{}': {}", text, def.name, why));
}

}  // namespace

const std::vector<MeasureDef>& all_measures() {
  static const std::vector<MeasureDef> table = build_table();
  return table;
}

const MeasureDef* find_measure(std::string_view name) {
  for (const auto& def : all_measures()) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

const std::vector<std::string_view>* find_nickname(std::string_view name) {
  for (const auto& nick : nicknames()) {
    if (nick.name == name) return &nick.members;
  }
  return nullptr;
}

bool is_unsupported_trec_eval_measure(std::string_view name) {
  static const std::vector<std::string_view> names = {
      "all_prefs", "prefs", "qrels_jg", "map_avgjg", "P_avgjg", "Rprec_mult_avgjg", "yaap",
  };
  return std::find(names.begin(), names.end(), name) != names.end() || name.substr(0, 6) == "prefs_";
}

MeasureParams parse_measure_params(const MeasureDef& def, std::string_view text, bool from_user) {
  MeasureParams params;
  if (from_user) params.printable = std::string(text);
  if (text.empty()) {
    if (from_user) bad_params(def, text, "empty parameter list");
    return params;
  }
  const auto parts = split_commas(text);
  switch (def.param_kind) {
    case ParamKind::None:
      // trec_eval accepts and ignores parameters of parameterless measures.
      params.printable.clear();
      break;
    case ParamKind::LongCutoffs: {
      for (auto part : parts) params.long_cutoffs.push_back(c_atol(part));
      std::sort(params.long_cutoffs.begin(), params.long_cutoffs.end());
      if (params.long_cutoffs.front() <= 0) bad_params(def, text, "cutoffs must be positive");
      if (std::adjacent_find(params.long_cutoffs.begin(), params.long_cutoffs.end()) !=
          params.long_cutoffs.end()) {
        bad_params(def, text, "duplicate cutoffs");
      }
      break;
    }
    case ParamKind::DoubleCutoffs: {
      for (auto part : parts) params.doubles.push_back(c_atof(part));
      std::sort(params.doubles.begin(), params.doubles.end());
      if (std::adjacent_find(params.doubles.begin(), params.doubles.end()) != params.doubles.end()) {
        bad_params(def, text, "duplicate cutoffs");
      }
      break;
    }
    case ParamKind::DoubleParams:
      for (auto part : parts) params.doubles.push_back(c_atof(part));
      break;
    case ParamKind::Pairs:
      for (auto part : parts) {
        const auto eq = part.find('=');
        if (eq == std::string_view::npos || part.find('=', eq + 1) != std::string_view::npos) {
          bad_params(def, text, "expected comma-separated name=value pairs");
        }
        params.pairs.emplace_back(std::string(part.substr(0, eq)), c_atof(part.substr(eq + 1)));
      }
      break;
  }
  return params;
}

MeasureParams default_measure_params(const MeasureDef& def) {
  return parse_measure_params(def, def.default_params, false);
}

std::vector<std::string> measure_value_names(const MeasureDef& def, const MeasureParams& params) {
  const std::string name(def.name);
  switch (def.param_kind) {
    case ParamKind::LongCutoffs: {
      std::vector<std::string> names;
      for (long c : params.long_cutoffs) names.push_back(fmt::format("{}_{}", name, c));
      return names;
    }
    case ParamKind::DoubleCutoffs: {
      // trec_eval formats "%s_%3.2f" into a buffer of strlen(name)+10 bytes, truncating.
      std::vector<std::string> names;
      for (double c : params.doubles) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s_%3.2f", "", c);
        std::string full = name + buf;
        if (full.size() > name.size() + 9) full.resize(name.size() + 9);
        names.push_back(full);
      }
      return names;
    }
    case ParamKind::DoubleParams:
    case ParamKind::Pairs:
      return {params.printable.empty() ? name : name + "_" + params.printable};
    case ParamKind::None:
      break;
  }
  return {name};
}

}  // namespace rerank::eval::trec_eval
