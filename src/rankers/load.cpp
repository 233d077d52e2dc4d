// rerank::load(): spec resolution, then the registry's factory for the type.
#include <algorithm>

#include "rankers/builtin.hpp"
#include "rankers/fallback_ranker.hpp"
#include "rankers/spec_resolver.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

namespace {

std::unique_ptr<Ranker> load_one(std::string_view spec, const LoadOptions& options) {
  const RankerRegistry& registry = ranker_registry();
  if (!options.type.empty() && !registry.find(options.type)) {
    throw Error(ErrorCode::NotSupported,
                "unknown ranker type '" + options.type + "'; supported: " + registry.supported_summary());
  }
  ModelSource source = resolve_spec(spec, options);
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
  if (!type->architectures.empty() && !source.architecture.empty() &&
      std::find(type->architectures.begin(), type->architectures.end(), source.architecture) ==
          type->architectures.end()) {
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

std::unique_ptr<Ranker> load(std::string_view spec, const LoadOptions& options) {
  if (options.fallbacks.empty()) return load_one(spec, options);
  return load_fallback_chain(spec, options, load_one);
}

}  // namespace rerank
