// rerank index: build the on-disk BM25 first-stage index of a corpus or a dataset folder.
#include <chrono>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/bm25_options.hpp"
#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "eval/datasets/dataset_loader.hpp"
#include "eval/index/bm25_index.hpp"

namespace rerank::cli {

namespace {

struct IndexArgs {
  std::string corpus;
  std::string dataset;
  std::string split = "test";
  std::string index;
  eval::IndexSettings settings;
};

void run_index(const IndexArgs& args) {
  if (args.corpus.empty() == args.dataset.empty()) throw CliError(kExitUsage, "give exactly one of --corpus and --dataset");
  std::function<void(const eval::DocumentSink&)> read_corpus;
  std::string fingerprint;
  as_input_phase([&] {
    if (!args.dataset.empty()) {
      eval::Dataset ds = eval::open_dataset(args.dataset, args.split);
      read_corpus = ds.read_corpus;
      fingerprint = ds.corpus_fingerprint;
    } else {
      const std::filesystem::path corpus = args.corpus;
      if (!std::filesystem::is_regular_file(corpus)) throw Error(ErrorCode::NotFound, "corpus file not found: " + args.corpus);
      read_corpus = [corpus](const eval::DocumentSink& sink) { eval::read_corpus_file(corpus, sink); };
      fingerprint = eval::fingerprint_files({corpus});
    }
  });
  const auto start = std::chrono::steady_clock::now();
  eval::IndexInfo info;
  try {
    info = eval::build_index(args.index, args.settings, read_corpus, fingerprint,
                             [](std::size_t n) { std::cerr << "index: " << n << " documents\n"; });
  } catch (const Error& e) {
    throw CliError(e.code() == ErrorCode::InvalidArgument ? kExitUsage : exit_code_for(e), e.what());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format("indexed {} documents into {} in {:.1f}s (average length {:.1f} terms; {} stemming, {} stopwords; "
                           "search defaults k1={:g} b={:g})\n",
                           info.num_docs, args.index, seconds, info.avg_doc_length, info.settings.stemmer,
                           info.settings.stopwords, info.settings.k1, info.settings.b);
}

}  // namespace

void add_bm25_settings_options(CLI::App& cmd, eval::IndexSettings& settings) {
  cmd.add_option("--k1", settings.k1, "BM25 k1 (term-frequency saturation)")->capture_default_str()->check(CLI::Range(0.0, 100.0));
  cmd.add_option("--b", settings.b, "BM25 b (length normalisation)")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--stemmer", settings.stemmer, "porter (Anserini's), english (Porter2) or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"porter", "english", "none"}));
  cmd.add_option("--stopwords", settings.stopwords, "lucene (Lucene's English stop set) or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"lucene", "none"}));
}

void add_index_command(CLI::App& app) {
  auto args = std::make_shared<IndexArgs>();
  CLI::App* cmd = app.add_subcommand("index", "Build a BM25 first-stage index (Xapian) of a corpus");
  cmd->add_option("--corpus", args->corpus, "Corpus file: BEIR JSONL[.gz], TREC <DOC> file, or tar.gz of HTML pages");
  cmd->add_option("--dataset", args->dataset, "Dataset folder (BEIR, TREC, SMART, Anserini CACM): index its corpus");
  cmd->add_option("--split", args->split, "BEIR split (only the queries/qrels depend on it)")->capture_default_str();
  cmd->add_option("--index", args->index, "Index folder to create (replaced when it holds an index)")->required();
  add_bm25_settings_options(*cmd, args->settings);
  cmd->callback([args] { run_index(*args); });
}

}  // namespace rerank::cli
