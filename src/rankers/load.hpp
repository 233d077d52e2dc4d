// rerank::load() over a registry of one's own (tests with extra architecture rows).
#pragma once

#include <memory>
#include <string_view>

#include "rankers/registry.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

// Spec resolution, then the registry's factory for the type: what rerank::load(spec, options)
// does with ranker_registry().
std::unique_ptr<Ranker> load(std::string_view spec, const LoadOptions& options, const RankerRegistry& registry);

}  // namespace rerank
