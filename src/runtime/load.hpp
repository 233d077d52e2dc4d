// rerank::load over a registry of one's own (tests with extra architecture rows): what
// rerank::load(spec, options) does with the built-in registry.
#pragma once

#include <memory>
#include <string_view>

#include "rankers/registry.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

// Spec resolution and the factory (rankers/load.hpp), then served: a model ranker through
// the runtime (runtime/served_model_ranker.hpp); fallbacks chained (rankers/fallback_ranker.hpp).
std::unique_ptr<Ranker> load(std::string_view spec, const LoadOptions& options, const RankerRegistry& registry);

}  // namespace rerank
