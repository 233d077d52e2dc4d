// rerank score: JSONL {"query","document"} pairs in, one {"logits","score","tokens"} line
// per pair out, in input order. Consecutive input is read in chunks; inside a chunk pairs
// are grouped by query so each query is tokenised once, and the engine forms the batches.
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "core/json_parse.hpp"
#include "rankers/cross_encoder_ranker.hpp"

namespace rerank::cli {

namespace {

constexpr std::size_t kChunkPairs = 4096;

struct ScoreArgs {
  std::string model;
  std::string input = "-";
  std::string activation = "none";
  ModelFlags flags;
};

struct Pair {
  std::string query;
  std::string document;
};

// Reads up to kChunkPairs pairs; false at end of input.
bool read_chunk(std::istream& in, std::size_t& line_no, std::vector<Pair>& out) {
  out.clear();
  std::string line;
  while (out.size() < kChunkPairs && std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = parse_json(line, "line " + std::to_string(line_no));
    } catch (const Error& e) {
      throw CliError(kExitInput, e.what());
    }
    if (!j.is_object() || !j.contains("query") || !j["query"].is_string()) {
      throw CliError(kExitInput, "line " + std::to_string(line_no) + ": needs a string \"query\"");
    }
    const char* doc_key = j.contains("document") ? "document" : (j.contains("text") ? "text" : nullptr);
    if (!doc_key || !j[doc_key].is_string()) {
      throw CliError(kExitInput, "line " + std::to_string(line_no) + ": needs a string \"document\"");
    }
    out.push_back({j["query"].get<std::string>(), j[doc_key].get<std::string>()});
  }
  return !out.empty();
}

void run_score(const ScoreArgs& args) {
  require_activation_name(args.activation);
  const LoadOptions options = args.flags.to_load_options();
  std::unique_ptr<Ranker> ranker = load_ranker(args.model, options);
  const auto* ce = dynamic_cast<const CrossEncoderRanker*>(ranker.get());
  const ScoreKind kind = ranker->info().score_kind;

  std::ifstream file;
  if (args.input != "-") {
    file.open(args.input);
    if (!file) throw CliError(kExitInput, "cannot open " + args.input);
  }
  std::istream& in = args.input == "-" ? std::cin : file;
  std::size_t line_no = 0;
  std::vector<Pair> chunk;
  PairStats total;
  while (read_chunk(in, line_no, chunk)) {
    // Group by query, keeping first-appearance order.
    std::map<std::string_view, std::size_t> group_of;
    std::vector<std::string_view> queries;
    std::vector<std::vector<std::string_view>> docs;
    std::vector<std::pair<std::size_t, std::size_t>> where(chunk.size());
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      auto [it, added] = group_of.emplace(chunk[i].query, queries.size());
      if (added) {
        queries.push_back(chunk[i].query);
        docs.emplace_back();
      }
      where[i] = {it->second, docs[it->second].size()};
      docs[it->second].push_back(chunk[i].document);
    }
    std::vector<std::vector<PairScore>> scored;
    try {
      if (ce) {
        PairStats stats;
        scored = ce->score_pairs(queries, docs, {}, &stats);
        total.pairs += stats.pairs;
        total.tokens += stats.tokens;
        total.truncated += stats.truncated;
        total.truncation_fallbacks += stats.truncation_fallbacks;
      } else {
        for (std::size_t q = 0; q < queries.size(); ++q) {
          std::vector<Document> d;
          for (std::string_view text : docs[q]) d.push_back({std::to_string(d.size()), std::string(text), {}});
          const Scores s = ranker->score_documents(queries[q], d);
          scored.emplace_back();
          for (double v : s.values) scored.back().push_back({{static_cast<float>(v)}, v, 0, false});
        }
      }
    } catch (const Error& e) {
      throw CliError(exit_code_for(e) == kExitNetwork ? kExitNetwork : kExitInput, e.what());
    }
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      const PairScore& p = scored[where[i].first][where[i].second];
      nlohmann::json out;
      out["logits"] = p.logits;
      out["score"] = apply_activation(args.activation, kind, p.score);
      out["tokens"] = p.tokens;
      std::cout << out.dump() << "\n";
    }
  }
  std::cout.flush();
  if (ce && total.truncated > 0) {
    std::cerr << "rerank: " << total.truncated << " of " << total.pairs << " pairs truncated to "
              << ce->max_length() << " tokens";
    if (total.truncation_fallbacks > 0) {
      std::cerr << " (" << total.truncation_fallbacks << " with longest_first: the query alone was too long)";
    }
    std::cerr << "\n";
  }
}

}  // namespace

void add_score_command(CLI::App& app) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* cmd = app.add_subcommand("score", "Score query-document pairs (JSONL in, JSONL out)");
  cmd->add_option("--model,-m", args->model, "Model spec: a model folder, org/name, shape:NAME, ...")->required();
  cmd->add_option("--input,-i", args->input, "JSONL file of {\"query\",\"document\"}, or - for stdin")
      ->capture_default_str();
  cmd->add_option("--activation", args->activation, "none or sigmoid (applied to model logits only)")
      ->capture_default_str();
  args->flags.add_to(*cmd);
  cmd->callback([args] { run_score(*args); });
}

}  // namespace rerank::cli
