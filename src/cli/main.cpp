// The rerank command-line tool: parses arguments, runs one subcommand, and turns every
// error into a message on stderr and an exit code (0 ok, 2 usage, 3 input, 4 model, 5 network).
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "runtime/model_runtime.hpp"

namespace {

// --runtime-stats: what the model runtime did in this process, one line on stderr at exit,
// so a user (or a test) sees that a command ran its pairs through it and in how many passes.
void print_runtime_stats() {
  const rerank::runtime::RuntimeCounters& c = rerank::runtime::process_counters();
  std::cerr << "rerank: runtime: " << c.requests.load() << " requests, " << c.runs.load() << " runs, "
            << c.batches.load() << " forward passes, " << c.sequences.load() << " sequences, " << c.tokens.load()
            << " tokens, " << c.failed_requests.load() << " failed requests\n";
}

}  // namespace

int main(int argc, char** argv) {
  // trec-eval parses trec_eval's getopt syntax itself ("-mP.5", "--"), so CLI11 must not see it.
  if (argc > 1 && std::string_view(argv[1]) == "trec-eval") {
    return rerank::cli::trec_eval_main(std::vector<std::string>(argv + 2, argv + argc));
  }
  CLI::App app{"rerank: rerank documents for a query with BM25, cross-encoders, LLMs or hosted APIs"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  bool runtime_stats = false;
  app.add_flag("--runtime-stats", runtime_stats,
               "At exit, print the model runtime's counters (requests, forward passes, tokens) on stderr");
  rerank::cli::add_rank_command(app);
  rerank::cli::add_models_command(app);
  rerank::cli::add_download_command(app);
  rerank::cli::add_score_command(app);
  rerank::cli::add_prepare_command(app);
  rerank::cli::add_logits_command(app);
  rerank::cli::add_bench_command(app);
  rerank::cli::add_version_command(app);
  rerank::cli::add_tokenize_command(app);
  rerank::cli::add_serve_command(app);
  rerank::cli::add_trec_eval_command(app);
  rerank::cli::add_index_command(app);
  rerank::cli::add_search_command(app);
  rerank::cli::add_eval_command(app);
  struct StatsAtExit {
    const bool& on;
    ~StatsAtExit() {
      if (on) print_runtime_stats();
    }
  } stats_at_exit{runtime_stats};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return rerank::cli::kExitUsage;
  } catch (const rerank::cli::CliError& e) {
    std::cerr << "rerank: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const rerank::Error& e) {
    std::cerr << "rerank: error: " << e.what() << "\n";
    return rerank::cli::exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "rerank: internal error: " << e.what() << "\n";
    return rerank::cli::kExitInternal;
  }
  return rerank::cli::kExitOk;
}
