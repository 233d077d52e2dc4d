// rerank models: the ranker types, architectures and aliases rerank knows, and what each needs.
#include <iostream>

#include "cli/commands.hpp"
#include "rankers/builtin.hpp"
#include "rankers/model_listing.hpp"

namespace rerank::cli {

void add_models_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("models", "List supported ranker types, architectures and aliases");
  cmd->callback([] { std::cout << describe_models(ranker_registry()); });
}

void add_version_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("version", "Print the version");
  cmd->callback([] { std::cout << "rerank " << RERANK_VERSION << "\n"; });
}

}  // namespace rerank::cli
