// rerank trec-eval: NIST trec_eval's command line and output, byte for byte. trec_eval's own
// option syntax is parsed by eval/trec_eval/options: main() hands the raw arguments to
// trec_eval_main() before CLI11 sees them, since trec_eval accepts forms like "-mP.5", "-M100"
// and a "--" that CLI11 would interpret. The CLI11 subcommand below lists it in --help and
// serves as a fallback with the same behaviour.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "eval/trec_eval/options.hpp"
#include "eval/trec_eval/text_report.hpp"
#include "eval/trec_eval/trec_files.hpp"

namespace rerank::cli {

namespace {

namespace te = rerank::eval::trec_eval;

void run_trec_eval(const std::vector<std::string>& raw_args) {
  te::TrecEvalArgs args;
  te::EvalConfig config;
  try {
    args = te::parse_trec_eval_args(raw_args);
    if (args.help) {
      std::cout << te::trec_eval_help();
      return;
    }
    if (args.version) {
      std::cerr << "trec_eval version 10.0 (rerank reimplementation)\n";
      return;
    }
    config = te::make_eval_config(args);
  } catch (const Error& e) {
    throw CliError(kExitUsage, e.what());
  }

  te::Qrels qrels;
  te::Run run;
  std::string run_id;
  as_input_phase([&] {
    qrels = te::read_qrels(args.qrels_path);
    if (args.results_path == "-") {
      run = te::parse_run(std::cin, "<stdin>", &run_id);
    } else {
      run = te::read_run(args.results_path, &run_id);
    }
  });
  te::Evaluation evaluation;
  as_input_phase([&] { evaluation = te::evaluate_run(qrels, run, run_id, config); });
  std::cout << te::format_trec_eval_report(config, evaluation, te::make_report_options(args));
  std::cout.flush();
}

}  // namespace

int trec_eval_main(const std::vector<std::string>& args) {
  try {
    run_trec_eval(args);
  } catch (const CliError& e) {
    std::cerr << "rerank: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const Error& e) {
    std::cerr << "rerank: error: " << e.what() << "\n";
    return exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "rerank: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
  return kExitOk;
}

void add_trec_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "trec-eval",
      "Evaluate a TREC run against qrels exactly like NIST trec_eval (same options and output; "
      "run 'rerank trec-eval -h' for them)");
  // Everything after "trec-eval" belongs to trec_eval's own parser, -h included.
  cmd->set_help_flag();
  cmd->prefix_command();
  cmd->allow_extras();
  cmd->callback([cmd] { run_trec_eval(cmd->remaining()); });
}

}  // namespace rerank::cli
