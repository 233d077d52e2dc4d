#include "eval/trec_eval/options.hpp"

#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include "rerank/error.hpp"

namespace rerank::eval::trec_eval {

namespace {

struct OptionSpec {
  char short_name;
  std::string_view long_name;
  bool takes_arg;
};

// trec_eval's long_options table and its short option string "hvqm:cl:nD:JN:M:R:T:oZ:".
constexpr OptionSpec kOptions[] = {
    {'h', "help", false},
    {'v', "version", false},
    {'q', "query_eval_wanted", false},
    {'m', "measure", true},
    {'c', "complete_rel_info_wanted", false},
    {'l', "level_for_rel", true},
    {'n', "nosummary", false},
    {'D', "Debug_level", true},
    {'J', "Judged_docs_only", false},
    {'N', "Number_docs_in_coll", true},
    {'M', "Max_retrieved_per_topic", true},
    {'R', "Rel_info_format", true},
    {'T', "Results_format", true},
    {'o', "Output_old_results_format", false},
    {'Z', "Zscore", true},
};

[[noreturn]] void usage_error(const std::string& why) {
  throw Error(ErrorCode::InvalidArgument, why + "\n" + trec_eval_usage());
}

long c_atol(const std::string& s) { return std::strtol(s.c_str(), nullptr, 10); }

void apply(TrecEvalArgs& a, char opt, const std::string& value) {
  switch (opt) {
    case 'h':
      a.help = true;
      break;
    case 'v':
      a.version = true;
      break;
    case 'q':
      a.query_eval = true;
      break;
    case 'm':
      a.measures.push_back(value);
      break;
    case 'c':
      a.complete = true;
      break;
    case 'l':
      a.relevance_level = c_atol(value);
      break;
    case 'n':
      a.summary = false;
      break;
    case 'D': {
      const auto dot = value.find('.');
      if (dot != std::string::npos) a.debug_query = value.substr(dot + 1);
      a.debug_level = c_atol(value.substr(0, dot));
      break;
    }
    case 'J':
      a.judged_docs_only = true;
      break;
    case 'N':
      a.num_docs_in_coll = c_atol(value);
      break;
    case 'M':
      a.max_docs = c_atol(value);
      break;
    case 'R':
      a.rel_info_format = value;
      break;
    case 'T':
      a.results_format = value;
      break;
    case 'o':
      break;  // obsolete in trec_eval too
    case 'Z':
      a.zscore_file = value;
      break;
    default:
      break;
  }
}

const OptionSpec* find_short(char c) {
  for (const auto& o : kOptions) {
    if (o.short_name == c) return &o;
  }
  return nullptr;
}

// getopt_long's matching: an exact name wins, else a unique prefix.
const OptionSpec* find_long(std::string_view name) {
  const OptionSpec* prefix_match = nullptr;
  int prefix_matches = 0;
  for (const auto& o : kOptions) {
    if (o.long_name == name) return &o;
    if (o.long_name.substr(0, name.size()) == name) {
      prefix_match = &o;
      ++prefix_matches;
    }
  }
  if (prefix_matches > 1) usage_error(fmt::format("option '--{}' is ambiguous", name));
  return prefix_match;
}

}  // namespace

TrecEvalArgs parse_trec_eval_args(const std::vector<std::string>& args) {
  TrecEvalArgs a;
  std::vector<std::string> operands;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      operands.insert(operands.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg.size() > 2 && arg[0] == '-' && arg[1] == '-') {
      const std::string body = arg.substr(2);
      const auto eq = body.find('=');
      const std::string name = body.substr(0, eq);
      const OptionSpec* spec = find_long(name);
      if (!spec) usage_error(fmt::format("unrecognized option '{}'", arg));
      std::string value;
      if (spec->takes_arg) {
        if (eq != std::string::npos) {
          value = body.substr(eq + 1);
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          usage_error(fmt::format("option '--{}' requires an argument", spec->long_name));
        }
      } else if (eq != std::string::npos) {
        usage_error(fmt::format("option '--{}' doesn't allow an argument", spec->long_name));
      }
      apply(a, spec->short_name, value);
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      for (std::size_t k = 1; k < arg.size(); ++k) {
        const OptionSpec* spec = find_short(arg[k]);
        if (!spec) usage_error(fmt::format("invalid option -- '{}'", arg[k]));
        if (!spec->takes_arg) {
          apply(a, spec->short_name, "");
          continue;
        }
        std::string value;
        if (k + 1 < arg.size()) {
          value = arg.substr(k + 1);
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          usage_error(fmt::format("option requires an argument -- '{}'", arg[k]));
        }
        apply(a, spec->short_name, value);
        break;
      }
      continue;
    }
    operands.push_back(arg);
  }
  if (a.help || a.version) return a;
  if (operands.size() != 2) {
    usage_error(
        fmt::format("expected 2 file operands (rel_info_file results_file), got {}", operands.size()));
  }
  a.qrels_path = operands[0];
  a.results_path = operands[1];
  return a;
}

EvalConfig make_eval_config(const TrecEvalArgs& args) {
  if (args.rel_info_format != "qrels") {
    throw Error(ErrorCode::NotSupported,
                fmt::format("rel_info format '{}' is not supported (only qrels)", args.rel_info_format));
  }
  if (args.results_format != "trec_results") {
    throw Error(ErrorCode::NotSupported,
                fmt::format("results format '{}' is not supported (only trec_results)", args.results_format));
  }
  if (!args.zscore_file.empty()) throw Error(ErrorCode::NotSupported, "-Z (Z scores) is not supported");
  EvalConfig config;
  config.measures = select_measures(args.measures);
  config.ranking.relevance_level = args.relevance_level;
  config.ranking.max_docs = args.max_docs < 0 ? 0 : args.max_docs;
  config.ranking.judged_docs_only = args.judged_docs_only;
  config.num_docs_in_coll = args.num_docs_in_coll;
  config.complete = args.complete;
  config.only_query = args.debug_query;
  return config;
}

ReportOptions make_report_options(const TrecEvalArgs& args) {
  ReportOptions r;
  r.per_query = args.query_eval;
  r.summary = args.summary;
  return r;
}

std::string trec_eval_usage() {
  return "Usage: rerank trec-eval [-h] [-q] {-m measure}* trec_rel_file trec_top_file\n"
         "   -h: Give full help information, including other options\n"
         "   -q: In addition to summary evaluation, give evaluation for each query\n"
         "   -m: calculate and print measures indicated by 'measure'\n"
         "       ('-m all_trec' prints all qrels measures, '-m official' is default)\n";
}

std::string trec_eval_help() {
  std::string s =
      "rerank trec-eval [-h] [-q] [-m measure[.params]] [-c] [-n] [-l <num>] [-J]\n"
      "   [-D debug_level[.qid]] [-N <num>] [-M <num>] rel_info_file results_file\n"
      "\n"
      "A reimplementation of NIST trec_eval 10 whose output matches it byte for byte.\n"
      "If results_file is '-', results are read from standard input.\n"
      "\n"
      " -q, --query_eval_wanted: also print each query's values\n"
      " -m, --measure name[.params]: add a measure (or nickname: official, set, all_trec);\n"
      "     parameters are comma separated, e.g. -m P.5,10 -m ndcg_cut.10 -m ndcg.2=4\n"
      " -c, --complete_rel_info_wanted: average over every query in the qrels; queries\n"
      "     without results count as retrieving nothing\n"
      " -l, --level_for_rel num: minimum relevance for a document to be relevant (1)\n"
      " -n, --nosummary: no summary lines\n"
      " -D, --Debug_level num[.qid]: with .qid, evaluate only that query\n"
      " -N, --Number_docs_in_coll num: collection size (utility's 4th coefficient)\n"
      " -M, --Max_retrieved_per_topic num: evaluate only the top num documents per query\n"
      " -J, --Judged_docs_only: drop unjudged documents before evaluating\n"
      " -v, --version: print the version\n"
      "\n"
      "Measures, in output order:\n";
  for (const auto& def : all_measures()) {
    s += "  " + std::string(def.name);
    if (!def.default_params.empty()) s += "  (default params " + std::string(def.default_params) + ")";
    s += "\n";
  }
  s += "See docs/trec_eval.md for definitions.\n";
  return s;
}

}  // namespace rerank::eval::trec_eval
