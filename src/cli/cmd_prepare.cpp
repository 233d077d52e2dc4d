// rerank prepare: JSONL {"query","document"} pairs in, the exact model input of each out,
// in input order: input_ids, the token strings, token_type_ids, its length and whether it
// was truncated. It is the ranker's prepare phase (rankers/model_ranker.hpp), the same code
// scoring runs, so a user who suspects a wrong score sees what the model was given.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "cli/pair_input.hpp"
#include "rankers/builtin.hpp"
#include "rankers/load.hpp"

namespace rerank::cli {

namespace {

struct PrepareArgs {
  std::string model;
  std::string input = "-";
  ModelFlags flags;
};

void run_prepare(const PrepareArgs& args) {
  const LoadOptions options = args.flags.to_load_options();
  LoadedRanker loaded;
  try {
    loaded = load_unserved(args.model, options, ranker_registry());
  } catch (const Error& e) {
    throw CliError(exit_code_for(e) == kExitNetwork ? kExitNetwork : kExitModel, e.what());
  }
  if (!loaded.model_ranker) {
    throw CliError(kExitUsage, "'" + args.model + "' runs no local model, so it has no model input to show");
  }
  PairInput input(args.input);
  std::vector<QueryDocumentPair> pairs;
  while (input.read(pairs, 1)) {
    const std::string_view document = pairs[0].document;
    PreparedRequest prepared;
    try {
      prepared = loaded.model_ranker->prepare(pairs[0].query, {&document, 1}, {}, /*token_strings=*/true);
    } catch (const Error& e) {
      throw CliError(kExitInput, e.what());
    }
    const PreparedSequence& seq = prepared.sequences.at(0);
    nlohmann::json out;
    out["input_ids"] = seq.input_ids;
    out["tokens"] = seq.tokens;
    out["token_type_ids"] = seq.token_type_ids;
    out["length"] = seq.length();
    out["truncated"] = seq.truncated;
    if (seq.longest_first_fallback) out["longest_first_fallback"] = true;
    std::cout << out.dump() << "\n";
  }
  std::cout.flush();
}

}  // namespace

void add_prepare_command(CLI::App& app) {
  auto args = std::make_shared<PrepareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "prepare", "Show the exact model input of query-document pairs (JSONL in, JSONL out), as scoring builds it");
  cmd->add_option("--model,-m", args->model, "Model spec: a model folder, org/name, shape:NAME, ...")->required();
  cmd->add_option("--input,-i", args->input, "JSONL file of {\"query\",\"document\"}, or - for stdin")
      ->capture_default_str();
  args->flags.add_to(*cmd);
  cmd->callback([args] { run_prepare(*args); });
}

}  // namespace rerank::cli
