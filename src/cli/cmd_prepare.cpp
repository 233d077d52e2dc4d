// rerank prepare: JSONL {"query","document"} pairs in, the exact model input of each out,
// in input order: input_ids, the token strings, token_type_ids, its length and whether it
// was truncated. It is the ranker's prepare phase (rankers/model_ranker.hpp), the same code
// scoring runs, so a user who suspects a wrong score sees what the model was given.
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "core/json_parse.hpp"
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
  std::ifstream file;
  if (args.input != "-") {
    file.open(args.input);
    if (!file) throw CliError(kExitInput, "cannot open " + args.input);
  }
  std::istream& in = args.input == "-" ? std::cin : file;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = "line " + std::to_string(line_no);
    try {
      const nlohmann::json j = parse_json(line, where);
      if (!j.is_object() || !j.contains("query") || !j["query"].is_string()) {
        throw Error(ErrorCode::InvalidInput, where + ": needs a string \"query\"");
      }
      const char* doc_key = j.contains("document") ? "document" : (j.contains("text") ? "text" : nullptr);
      if (!doc_key || !j[doc_key].is_string()) {
        throw Error(ErrorCode::InvalidInput, where + ": needs a string \"document\"");
      }
      const std::string query = j["query"].get<std::string>(), document = j[doc_key].get<std::string>();
      const std::string_view doc_view = document;
      const PreparedRequest prepared = loaded.model_ranker->prepare(query, {&doc_view, 1}, {}, /*token_strings=*/true);
      const PreparedSequence& seq = prepared.sequences.at(0);
      nlohmann::json out;
      out["input_ids"] = seq.input_ids;
      out["tokens"] = seq.tokens;
      out["token_type_ids"] = seq.token_type_ids;
      out["length"] = seq.length();
      out["truncated"] = seq.truncated;
      if (seq.longest_first_fallback) out["longest_first_fallback"] = true;
      std::cout << out.dump() << "\n";
    } catch (const Error& e) {
      throw CliError(kExitInput, e.what());
    }
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
