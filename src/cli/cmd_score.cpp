// rerank score: JSONL {"query","document"} pairs in, one {"logits","score","tokens"} line
// per pair out, in input order. Consecutive input is read in chunks; inside a chunk pairs
// are grouped by query so each query is tokenised once, and the engine forms the batches.
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "cli/pair_input.hpp"

namespace rerank::cli {

namespace {

constexpr std::size_t kChunkPairs = 4096;

struct ScoreArgs {
  std::string model;
  std::string input = "-";
  std::string activation = "none";
  ModelFlags flags;
};

// One output line's worth of a scored pair.
struct ScoredPair {
  std::vector<float> logits;
  double score = 0.0;
  std::size_t tokens = 0;
};

void run_score(const ScoreArgs& args) {
  require_activation_name(args.activation);
  const LoadOptions options = args.flags.to_load_options();
  std::unique_ptr<Ranker> ranker = load_ranker(args.model, options);
  const ScoreKind kind = ranker->info().score_kind;

  PairInput input(args.input);
  std::vector<QueryDocumentPair> chunk;
  std::size_t pairs = 0, truncated = 0, fallbacks = 0;
  while (input.read(chunk, kChunkPairs)) {
    // Group by query, keeping first-appearance order.
    std::map<std::string_view, std::size_t> group_of;
    std::vector<std::string> queries;
    std::vector<std::vector<Document>> docs;
    std::vector<std::pair<std::size_t, std::size_t>> where(chunk.size());
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      auto [it, added] = group_of.emplace(chunk[i].query, queries.size());
      if (added) {
        queries.push_back(chunk[i].query);
        docs.emplace_back();
      }
      std::vector<Document>& group = docs[it->second];
      where[i] = {it->second, group.size()};
      group.push_back({std::to_string(group.size()), chunk[i].document, {}});
    }
    std::vector<std::vector<ScoredPair>> scored(queries.size());
    try {
      const std::vector<Scores> results = ranker->score_many(queries, docs);
      for (std::size_t q = 0; q < results.size(); ++q) {
        const Scores& s = results[q];
        for (std::size_t d = 0; d < s.values.size(); ++d) {
          if (d < s.documents.size()) {
            const DocumentStats& stats = s.documents[d];
            scored[q].push_back({stats.outputs, s.values[d], stats.tokens});
            truncated += stats.truncated ? 1 : 0;
            fallbacks += stats.longest_first_fallback ? 1 : 0;
          } else {
            // A ranker without a local model: its score is its only output.
            scored[q].push_back({{static_cast<float>(s.values[d])}, s.values[d], 0});
          }
          ++pairs;
        }
      }
    } catch (const Error& e) {
      throw CliError(exit_code_for(e) == kExitNetwork ? kExitNetwork : kExitInput, e.what());
    }
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      const ScoredPair& p = scored[where[i].first][where[i].second];
      nlohmann::json out;
      out["logits"] = p.logits;
      out["score"] = apply_activation(args.activation, kind, p.score);
      out["tokens"] = p.tokens;
      std::cout << out.dump() << "\n";
    }
  }
  std::cout.flush();
  if (truncated > 0) {
    std::cerr << "rerank: " << truncated << " of " << pairs << " pairs truncated to " << ranker->info().max_length
              << " tokens";
    if (fallbacks > 0) std::cerr << " (" << fallbacks << " with longest_first: the query alone was too long)";
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
