// rerank models: the ranker types and aliases rerank knows, and what each needs.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "rankers/builtin.hpp"
#include "rankers/spec_resolver.hpp"

namespace rerank::cli {

void add_models_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("models", "List supported ranker types and aliases");
  cmd->callback([] {
    const RankerRegistry& registry = ranker_registry();
    std::cout << "Ranker types:\n";
    for (const RankerType& t : registry.types()) {
      std::cout << fmt::format("  {:<15} {:<14} {}\n", t.name, t.factory ? "supported" : "not yet", t.description);
      std::cout << fmt::format("  {:<15} {:<14} needs: {}\n", "", "", t.needs);
      if (!t.architectures.empty()) {
        std::string archs;
        for (const auto& a : t.architectures) archs += (archs.empty() ? "" : ", ") + a;
        std::cout << fmt::format("  {:<15} {:<14} architectures: {}\n", "", "", archs);
      }
    }
    std::cout << "\nAliases (--model NAME):\n";
    for (const RankerAlias& a : ranker_aliases()) {
      std::cout << fmt::format("  {:<28} -> {:<14} default model: {}\n", a.name, a.type, a.default_model);
    }
    std::cout << "\nSpecs: a model folder, a Hub id org/name[@revision], an alias, or provider:model\n"
                 "(cohere:, jina:, voyage:, mixedbread:, pinecone:, isaacus:, tei:, llamacpp:, rerank:, shape:).\n";
  });
}

void add_version_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("version", "Print the version");
  cmd->callback([] { std::cout << "rerank " << RERANK_VERSION << "\n"; });
}

}  // namespace rerank::cli
