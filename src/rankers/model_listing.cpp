#include "rankers/model_listing.hpp"

#include <fmt/format.h>

#include "rankers/spec_resolver.hpp"

namespace rerank {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string precisions_of(const models::ArchitectureRow& row) {
  std::vector<std::string> names;
  for (engine::Precision p : row.precisions) names.emplace_back(engine::precision_name(p));
  return join(names);
}

}  // namespace

std::string describe_models(const RankerRegistry& registry) {
  std::string out = "Ranker types:\n";
  for (const RankerType& t : registry.types()) {
    out += fmt::format("  {:<15} {:<14} {}\n", t.name, t.factory ? "supported" : "not yet", t.description);
    out += fmt::format("  {:<15} {:<14} needs: {}\n", "", "", t.needs);
    const std::vector<std::string> archs = registry.architectures_of(t);
    if (!archs.empty()) out += fmt::format("  {:<15} {:<14} architectures: {}\n", "", "", join(archs));
  }
  out += "\nArchitectures (config.json architectures[0], else model_type):\n";
  for (const models::ArchitectureRow& row : registry.architectures().rows()) {
    std::string name = row.architecture;
    if (!row.refine_note.empty()) name += " " + row.refine_note;
    out += fmt::format("  {:<44} {:<12} family {:<18} -> {:<14} {}\n", name, row.model_type, row.family,
                       row.ranker_type,
                       row.implemented() ? "supported (" + precisions_of(row) + "; " + join(row.devices) + ")"
                                         : "detected, not supported yet");
  }
  out += "\nAliases (--model NAME):\n";
  for (const RankerAlias& a : ranker_aliases()) {
    out += fmt::format("  {:<28} -> {:<14} default model: {}\n", a.name, a.type, a.default_model);
  }
  out +=
      "\nSpecs: a model folder, a Hub id org/name[@revision], an alias, or provider:model\n"
      "(cohere:, jina:, voyage:, mixedbread:, pinecone:, isaacus:, tei:, llamacpp:, rerank:, shape:).\n";
  return out;
}

}  // namespace rerank
