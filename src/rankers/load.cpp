// load_unserved(): spec resolution, then the registry's factory for the type.
#include "rankers/load.hpp"

#include <algorithm>

#include "rankers/builtin.hpp"
#include "rankers/spec_resolver.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

namespace {

// The params a ranker of `type` receives: "TYPE.key=value" becomes "key=value" for rankers
// of that type and is left out for others (so `rerank eval -m bm25 -m DIR` can give only the
// t5 model `--param t5.true_token=...`); unscoped params go to every ranker.
LoadOptions scoped_to(const LoadOptions& options, const std::string& type) {
  LoadOptions out = options;
  out.params.clear();
  for (const auto& [key, value] : options.params) {
    const auto dot = key.find('.');
    if (dot == std::string::npos) {
      out.params[key] = value;
    } else if (key.compare(0, dot, type) == 0) {
      out.params[key.substr(dot + 1)] = value;
    }
  }
  return out;
}

}  // namespace

LoadedRanker load_unserved(std::string_view spec, const LoadOptions& options, const RankerRegistry& registry) {
  // A type that cannot run is refused first, naming the type: an explicit --type before the
  // spec is resolved (a listwise LLM's model name is no Hub id or alias), else the resolved one.
  const auto runnable_type = [&](const std::string& name) {
    const RankerType* type = registry.find(name);
    if (!type) {
      throw Error(ErrorCode::NotSupported,
                  "unknown ranker type '" + name + "'; supported: " + registry.supported_summary());
    }
    if (!type->factory) {
      throw Error(ErrorCode::NotSupported, "'" + name + "' rankers are not supported yet (spec '" +
                                               std::string(spec) + "'); supported: " +
                                               registry.supported_summary());
    }
    return type;
  };
  if (!options.type.empty()) runnable_type(options.type);
  ModelSource source = resolve_spec(spec, options, registry);
  const RankerType* type = runnable_type(source.type);
  // An alias names a Hub model only now that its type is known to run: locate it (the
  // same lookup and download as a Hub id spec).
  if (type->takes_checkpoint) locate_checkpoint(source, options, registry);
  const std::vector<std::string> architectures = registry.architectures_of(*type);
  if (type->takes_checkpoint && !source.architecture.empty() &&
      std::find(architectures.begin(), architectures.end(), source.architecture) == architectures.end()) {
    throw Error(ErrorCode::NotSupported, "architecture '" + source.architecture + "' is not supported by the '" +
                                             source.type + "' ranker; supported: " +
                                             registry.supported_summary());
  }
  LoadedRanker loaded = type->factory(source, scoped_to(options, source.type));
  if (static_cast<bool>(loaded.ranker) == static_cast<bool>(loaded.model_ranker)) {
    throw Error(ErrorCode::Internal, "the '" + source.type + "' factory returned no ranker for '" +
                                         std::string(spec) + "'");
  }
  return loaded;
}

}  // namespace rerank
