// Spec resolution and the registry's factory: one spec to what its factory made, not yet
// served. rerank::load (runtime/load.cpp) serves it: a model ranker through the runtime.
#pragma once

#include <string_view>

#include "rankers/registry.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

// Never returns an empty LoadedRanker: a failure throws rerank::Error saying what to do.
// options.fallbacks is not read here (the runtime chains what it serves).
LoadedRanker load_unserved(std::string_view spec, const LoadOptions& options, const RankerRegistry& registry);

}  // namespace rerank
