// rerank eval: BM25 first stage + rerankers on a test collection; trec_eval metrics,
// latency and throughput, written as a table, JSON, run files and an HTML report.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/bm25_options.hpp"
#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "eval/datasets/dataset_loader.hpp"
#include "eval/index/index_cache.hpp"
#include "eval/report/eval_report.hpp"
#include "eval/report/report_writers.hpp"
#include "eval/runner/eval_runner.hpp"

namespace rerank::cli {

namespace {

struct EvalArgs {
  std::string dataset;
  std::string split = "test";
  std::string corpus;
  std::string queries;
  std::string qrels;
  std::string retriever = "bm25";
  std::size_t top_k = 100;
  std::vector<std::string> models;
  std::vector<std::string> labels;  // --label: the i-th names the i-th --model
  std::string output;
  std::size_t max_queries = 0;
  std::string index;
  std::vector<std::string> measures;
  std::size_t concurrency = 1;
  std::string format = "table";
  bool quiet = false;
  eval::IndexSettings settings;
  ModelFlags flags;
};

eval::Dataset open_input(const EvalArgs& args) {
  const bool files = !args.corpus.empty() || !args.queries.empty() || !args.qrels.empty();
  if (args.dataset.empty() == !files) {
    throw CliError(kExitUsage, "give --dataset DIR, or all of --corpus, --queries and --qrels");
  }
  if (files && (args.corpus.empty() || args.queries.empty() || args.qrels.empty())) {
    throw CliError(kExitUsage, "--corpus, --queries and --qrels go together: give all three");
  }
  eval::Dataset ds;
  as_input_phase([&] {
    ds = args.dataset.empty() ? eval::open_dataset_files(args.corpus, args.queries, args.qrels)
                              : eval::open_dataset(args.dataset, args.split);
  });
  return ds;
}

void run_eval(const EvalArgs& args) {
  if (args.retriever != "bm25") throw CliError(kExitUsage, "--retriever: only bm25 is available");
  if (args.format != "table" && args.format != "json") throw CliError(kExitUsage, "--format must be table or json");
  if (args.top_k == 0) throw CliError(kExitUsage, "--top-k must be at least 1");
  std::ostream* log = args.quiet ? nullptr : &std::cerr;

  eval::Dataset dataset = open_input(args);
  const std::vector<eval::Topic> topics = eval::topics_to_evaluate(dataset, args.max_queries);
  if (topics.empty()) throw CliError(kExitInput, "no query of " + dataset.name + " has relevance judgments");
  for (const std::string& note : dataset.notes) {
    if (log) *log << "dataset: " << note << "\n";
  }

  // Load every model before the long part starts, so a bad spec fails fast.
  const LoadOptions load_options = args.flags.to_load_options();
  if (args.labels.size() > args.models.size()) {
    throw CliError(kExitUsage, "--label names the --model of the same position: " + std::to_string(args.labels.size()) +
                                   " labels for " + std::to_string(args.models.size()) + " models");
  }
  std::vector<eval::RerankerSpec> rerankers;
  for (std::size_t m = 0; m < args.models.size(); ++m) {
    const std::string& spec = args.models[m];
    if (log) *log << "model: loading " << spec << "\n";
    rerankers.push_back({spec, std::shared_ptr<const Ranker>(load_ranker(spec, load_options)),
                         m < args.labels.size() ? args.labels[m] : ""});
  }

  const std::filesystem::path index_dir =
      args.index.empty() ? eval::cached_index_path(eval::default_index_cache_dir(), dataset, args.settings)
                         : std::filesystem::path(args.index);
  eval::IndexInfo info;
  try {
    info = eval::ensure_index(index_dir, dataset, args.settings, log);
  } catch (const Error& e) {
    throw CliError(e.code() == ErrorCode::InvalidArgument ? kExitUsage : kExitInput, e.what());
  }
  eval::Bm25Searcher searcher(index_dir);
  searcher.set_parameters(args.settings.k1, args.settings.b);

  eval::RunnerOptions options;
  options.top_k = args.top_k;
  options.concurrency = args.concurrency;
  options.progress = log;
  if (log) {
    *log << fmt::format("eval: {} queries, BM25 top-{} (k1={:g} b={:g}), {} reranker(s)\n", topics.size(), args.top_k,
                        args.settings.k1, args.settings.b, rerankers.size());
  }
  std::vector<eval::SystemRun> systems;
  try {
    systems = eval::run_systems(topics, searcher, rerankers, options);
  } catch (const Error& e) {
    throw CliError(exit_code_for(e) == kExitNetwork ? kExitNetwork : kExitModel, e.what());
  }

  const std::vector<std::string>& measures = args.measures.empty() ? eval::default_eval_measures() : args.measures;
  eval::EvalReport report;
  try {
    report = eval::make_eval_report(dataset, topics, systems, measures);
  } catch (const Error& e) {
    throw CliError(e.code() == ErrorCode::InvalidArgument ? kExitUsage : kExitInput, e.what());
  }
  report.dataset_path = args.dataset.empty() ? args.corpus : args.dataset;
  report.top_k = args.top_k;
  report.concurrency = std::max<std::size_t>(1, args.concurrency);
  report.index = info;
  report.index.settings.k1 = args.settings.k1;
  report.index.settings.b = args.settings.b;
  report.index_path = index_dir.string();

  const std::filesystem::path out_dir = args.output.empty() ? std::filesystem::path("rerank-eval") / dataset.name
                                                            : std::filesystem::path(args.output);
  const eval::WrittenFiles files = eval::write_eval_outputs(out_dir, report, systems);

  if (args.format == "json") {
    std::cout << eval::report_to_json(report, false).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    eval::print_metrics_table(std::cout, report);
  }
  std::cout.flush();
  if (log) {
    *log << "wrote " << files.metrics_json.string() << ", " << files.report_html.string() << ", "
         << (out_dir / "runs").string() << "/, " << (out_dir / "per_query").string() << "/\n";
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate BM25 and rerankers on a test collection (quality and latency)");
  cmd->add_option("--dataset", args->dataset, "Dataset folder: BEIR, TREC, SMART (Cranfield/CISI/MED) or Anserini CACM");
  cmd->add_option("--split", args->split, "BEIR split")->capture_default_str();
  cmd->add_option("--corpus", args->corpus, "Corpus file (with --queries and --qrels instead of --dataset)");
  cmd->add_option("--queries", args->queries, "Queries: BEIR JSONL, TREC topics or id<TAB>text");
  cmd->add_option("--qrels", args->qrels, "Relevance judgments: TREC qrels or BEIR TSV");
  cmd->add_option("--retriever", args->retriever, "First stage (bm25)")->capture_default_str();
  cmd->add_option("--top-k,-k", args->top_k, "Candidates retrieved and reranked per query")->capture_default_str();
  cmd->add_option("--model,-m", args->models, "Reranker spec (repeatable): bm25, a model folder, shape:NAME, ...");
  cmd->add_option("--label", args->labels,
                  "Report name of the --model in the same position (repeatable; default: the folder's name or the "
                  "spec)");
  cmd->add_option("--output,-o", args->output, "Output folder (default: rerank-eval/<dataset>)");
  cmd->add_option("--max-queries", args->max_queries, "Evaluate only the first N judged queries (0 = all)");
  cmd->add_option("--index", args->index, "Index folder to use or build (default: a cache keyed by corpus and analyzer)");
  cmd->add_option("--measure", args->measures, "trec_eval measure (repeatable; default map, ndcg_cut.10, recip_rank, P.10, recall.100, recall.1000)");
  cmd->add_option("--concurrency", args->concurrency,
                  "Queries scored at once, each its own call; the runtime merges them into shared forward passes")
      ->capture_default_str();
  cmd->add_option("--format,-f", args->format, "stdout: table or json")->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "No progress on stderr");
  add_bm25_settings_options(*cmd, args->settings);
  args->flags.add_to(*cmd);
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace rerank::cli
