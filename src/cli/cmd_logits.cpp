// rerank logits: JSONL {"text"} lines that are already full model inputs (a template
// applied) in; each tokenised with the model's tokenizer (special tokens added, truncated to
// --max-length as the tokenizer truncates) and run through the model; out one line each,
// {"input_ids": [...], "logits": [...]}: the model's outputs for that text (for T5 and
// decoder LLMs the whole vocabulary at the scoring step). What a user compares with
// transformers when a generative reranker's score looks wrong.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "core/json_parse.hpp"
#include "models/load_model.hpp"
#include "rankers/model_ranker.hpp"
#include "rankers/spec_resolver.hpp"
#include "text/tokenizer.hpp"

namespace rerank::cli {

namespace {

namespace fs = std::filesystem;

struct LogitsArgs {
  std::string model;
  std::string input = "-";
  ModelFlags flags;  // --max-length: truncate each text to N tokens, special tokens included
};

// The checkpoint folder the spec names: a folder, or a Hub id in the cache.
fs::path checkpoint_folder(const std::string& spec, const LoadOptions& options) {
  std::error_code ec;
  if (fs::is_directory(spec, ec)) return spec;
  ModelSource source;
  try {
    source = resolve_spec(spec, options);
  } catch (const Error& e) {
    throw CliError(exit_code_for(e) == kExitNetwork ? kExitNetwork : kExitModel, e.what());
  }
  if (source.directory.empty()) {
    throw CliError(kExitUsage, "'" + spec + "' runs no local checkpoint, so it has no logits to show");
  }
  return source.directory;
}

void run_logits(const LogitsArgs& args) {
  const LoadOptions options = args.flags.to_load_options();
  const fs::path dir = checkpoint_folder(args.model, options);
  std::shared_ptr<const models::Model> model;
  std::unique_ptr<text::Tokenizer> tokenizer;
  try {
    model = models::load_model(models::read_checkpoint(dir), model_load_options(options));
    tokenizer = text::Tokenizer::from_directory(dir);
  } catch (const Error& e) {
    throw CliError(kExitModel, e.what());
  }
  if (model->traits().output == models::OutputKind::TokenVectors) {
    throw CliError(kExitUsage, "'" + args.model + "' outputs token vectors, not logits");
  }
  text::TruncationOptions truncation;
  truncation.max_length = options.max_length > 0 ? options.max_length : tokenizer->model_max_length().value_or(512);
  truncation.strategy = text::TruncationStrategy::LongestFirst;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.input != "-") {
    file.open(args.input);
    if (!file) throw CliError(kExitInput, "cannot open " + args.input);
    in = &file;
  }
  auto session = model->make_session();
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(*in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = "line " + std::to_string(line_no);
    nlohmann::json j;
    try {
      j = parse_json(line, where);
    } catch (const Error& e) {
      throw CliError(kExitInput, e.what());
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      throw CliError(kExitInput, where + ": needs a string \"text\"");
    }
    std::vector<float> logits;
    text::Encoding encoding;
    try {
      encoding = tokenizer->encode(j["text"].get<std::string>(), /*add_special_tokens=*/true, truncation);
      engine::PackedBatch batch;
      model->append_sequence(batch, encoding.ids, encoding.type_ids);
      logits = model->forward(*session, batch);
    } catch (const Error& e) {
      throw CliError(e.code() == ErrorCode::InvalidInput ? kExitInput : kExitModel, where + ": " + e.what());
    }
    nlohmann::json out;
    out["input_ids"] = encoding.ids;
    out["logits"] = logits;
    std::cout << out.dump() << "\n";
  }
  std::cout.flush();
}

}  // namespace

void add_logits_command(CLI::App& app) {
  auto args = std::make_shared<LogitsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "logits", "Run full model inputs (JSONL {\"text\"} in) and print their token ids and output logits");
  cmd->add_option("--model,-m", args->model, "A model folder or a cached Hub id")->required();
  cmd->add_option("--input,-i", args->input, "JSONL file of {\"text\"}, or - for stdin")->capture_default_str();
  args->flags.add_to(*cmd);
  cmd->callback([args] { run_logits(*args); });
}

}  // namespace rerank::cli
