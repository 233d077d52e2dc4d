// rerank search: query a BM25 first-stage index built by `rerank index`.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "core/utf8.hpp"
#include "eval/index/bm25_index.hpp"

namespace rerank::cli {

namespace {

struct SearchArgs {
  std::string index;
  std::string query;
  std::size_t top_k = 10;
  double k1 = -1;  // < 0: the index's stored value
  double b = -1;
  std::string format = "table";
};

std::string snippet(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return text.substr(0, cut) + "...";
}

void run_search(const SearchArgs& args) {
  if (find_invalid_utf8(args.query)) throw CliError(kExitInput, "--query is not valid UTF-8");
  if (args.format != "table" && args.format != "json" && args.format != "trec") {
    throw CliError(kExitUsage, "--format must be table, json or trec");
  }
  std::unique_ptr<eval::Bm25Searcher> searcher;
  as_input_phase([&] { searcher = std::make_unique<eval::Bm25Searcher>(args.index); });
  const eval::IndexSettings& stored = searcher->info().settings;
  try {
    searcher->set_parameters(args.k1 >= 0 ? args.k1 : stored.k1, args.b >= 0 ? args.b : stored.b);
  } catch (const Error& e) {
    throw CliError(kExitUsage, e.what());
  }
  const std::vector<eval::SearchHit> hits = searcher->search(args.query, args.top_k);
  if (args.format == "json") {
    nlohmann::json out = {{"query", args.query}, {"k1", searcher->info().settings.k1}, {"b", searcher->info().settings.b}};
    nlohmann::json results = nlohmann::json::array();
    for (std::size_t i = 0; i < hits.size(); ++i) {
      results.push_back({{"rank", i + 1}, {"id", hits[i].id}, {"score", hits[i].score}, {"title", hits[i].title}, {"text", hits[i].text}});
    }
    out["results"] = std::move(results);
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (args.format == "trec") {
    for (std::size_t i = 0; i < hits.size(); ++i) {
      std::cout << fmt::format("q Q0 {} {} {:.6f} rerank-bm25\n", hits[i].id, i + 1, hits[i].score);
    }
  } else {
    if (hits.empty()) std::cout << "no document matches the query\n";
    for (std::size_t i = 0; i < hits.size(); ++i) {
      std::cout << fmt::format("{:>4}  {:>9.4f}  {:<12}  {}\n", i + 1, hits[i].score, hits[i].id, snippet(hits[i].contents(), 80));
    }
  }
}

}  // namespace

void add_search_command(CLI::App& app) {
  auto args = std::make_shared<SearchArgs>();
  CLI::App* cmd = app.add_subcommand("search", "Search a BM25 index built with `rerank index`");
  cmd->add_option("--index", args->index, "Index folder")->required();
  cmd->add_option("--query,-q", args->query, "The query")->required();
  cmd->add_option("--top-k,-k", args->top_k, "Number of results")->capture_default_str();
  cmd->add_option("--k1", args->k1, "BM25 k1 (default: the value stored at index time)");
  cmd->add_option("--b", args->b, "BM25 b (default: the value stored at index time)");
  cmd->add_option("--format,-f", args->format, "table, json or trec")->capture_default_str();
  cmd->callback([args] { run_search(*args); });
}

}  // namespace rerank::cli
