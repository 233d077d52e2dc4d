// rerank rank: score documents for one query and print them ranked.
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "cli/table_format.hpp"
#include "core/utf8.hpp"
#include "io/document_reader.hpp"

namespace rerank::cli {

namespace {

struct RankArgs {
  std::string model;
  std::string query;
  std::string docs = "-";
  std::string docs_format;
  std::size_t top_k = 0;
  bool has_top_k = false;
  std::string format = "table";
  std::string activation = "none";
  ModelFlags flags;
};

std::vector<Document> read_input_documents(const RankArgs& args) {
  std::vector<Document> docs;
  as_input_phase([&] {
    if (args.docs == "-") {
      const io::DocsFormat format =
          args.docs_format.empty() ? io::DocsFormat::Jsonl : io::parse_docs_format(args.docs_format);
      docs = io::read_documents(std::cin, format, "<stdin>");
    } else {
      docs = args.docs_format.empty() ? io::read_documents_file(args.docs)
                                      : io::read_documents_file(args.docs, io::parse_docs_format(args.docs_format));
    }
  });
  return docs;
}

void run_rank(const RankArgs& args) {
  if (auto bad = find_invalid_utf8(args.query)) {
    throw CliError(kExitInput, "--query is not valid UTF-8 (byte " + std::to_string(*bad + 1) + ")");
  }
  if (args.format != "table" && args.format != "json" && args.format != "jsonl") {
    throw CliError(kExitUsage, "--format must be table, json or jsonl");
  }
  require_activation_name(args.activation);
  const LoadOptions options = args.flags.to_load_options();
  std::unique_ptr<Ranker> ranker = load_ranker(args.model, options);
  std::vector<Document> docs = read_input_documents(args);
  if (docs.size() >= 5000) std::cerr << "rerank: scoring " << docs.size() << " documents...\n";

  RankedResults ranked;
  try {
    ranked = ranker->rank(args.query, std::move(docs));
  } catch (const Error& e) {
    throw CliError(exit_code_for(e) == kExitNetwork ? kExitNetwork : kExitInput, e.what());
  }
  if (args.has_top_k) ranked = ranked.top_k(args.top_k);

  // Activation changes values, never order (it is monotonic).
  nlohmann::json json = ranked.to_json();
  const ScoreKind kind = ranker->info().score_kind;
  for (auto& r : json["results"]) {
    if (r["score"].is_number()) r["score"] = apply_activation(args.activation, kind, r["score"].get<double>());
  }

  if (args.format == "table") {
    RankedResults shown = RankedResults::from_json(json);
    print_ranked_table(std::cout, shown, args.query, args.model);
  } else if (args.format == "json") {
    nlohmann::json out = {{"model", args.model}, {"query", args.query}};
    for (auto& [key, value] : json.items()) out[key] = value;
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    for (const auto& r : json["results"]) {
      std::cout << r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
  }
  std::cout.flush();
}

}  // namespace

void add_rank_command(CLI::App& app) {
  auto args = std::make_shared<RankArgs>();
  CLI::App* cmd = app.add_subcommand("rank", "Rank documents for a query");
  cmd->add_option("--model,-m", args->model, "Model spec: bm25, a model folder, org/name, provider:model")
      ->required();
  cmd->add_option("--query,-q", args->query, "The query")->required();
  cmd->add_option("--docs,-d", args->docs, "Documents file, or - for JSONL on stdin")->capture_default_str();
  cmd->add_option("--docs-format", args->docs_format, "jsonl, tsv or lines (default: from the extension)");
  cmd->add_option("--top-k,-k", args->top_k, "Print only the best K results")
      ->each([args](const std::string&) { args->has_top_k = true; });
  cmd->add_option("--format,-f", args->format, "table, json or jsonl")->capture_default_str();
  cmd->add_option("--activation", args->activation, "none or sigmoid (applied to model logits only)")
      ->capture_default_str();
  args->flags.add_to(*cmd);
  cmd->callback([args] { run_rank(*args); });
}

}  // namespace rerank::cli
