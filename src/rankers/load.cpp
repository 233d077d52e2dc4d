// rerank::load(): spec resolution, then the registry's factory for the type.
#include "rankers/load.hpp"

#include <algorithm>

#include "rankers/builtin.hpp"
#include "rankers/fallback_ranker.hpp"
#include "rankers/spec_resolver.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

namespace {

std::unique_ptr<Ranker> load_one(std::string_view spec, const LoadOptions& options, const RankerRegistry& registry) {
  if (!options.type.empty() && !registry.find(options.type)) {
    throw Error(ErrorCode::NotSupported,
                "unknown ranker type '" + options.type + "'; supported: " + registry.supported_summary());
  }
  ModelSource source = resolve_spec(spec, options, registry);
  const RankerType* type = registry.find(source.type);
  if (!type) {
    throw Error(ErrorCode::NotSupported,
                "unknown ranker type '" + source.type + "'; supported: " + registry.supported_summary());
  }
  if (!type->factory) {
    throw Error(ErrorCode::NotSupported, "'" + source.type + "' rankers are not supported yet (spec '" +
                                             std::string(spec) + "'); supported: " +
                                             registry.supported_summary());
  }
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
  std::unique_ptr<Ranker> ranker = type->factory(source, options);
  if (!ranker) {
    throw Error(ErrorCode::Internal, "the '" + source.type + "' factory returned no ranker for '" +
                                         std::string(spec) + "'");
  }
  return ranker;
}

}  // namespace

std::unique_ptr<Ranker> load(std::string_view spec, const LoadOptions& options, const RankerRegistry& registry) {
  if (options.fallbacks.empty()) return load_one(spec, options, registry);
  return load_fallback_chain(spec, options, [&registry](std::string_view s, const LoadOptions& o) {
    return load_one(s, o, registry);
  });
}

std::unique_ptr<Ranker> load(std::string_view spec, const LoadOptions& options) {
  return load(spec, options, ranker_registry());
}

}  // namespace rerank
