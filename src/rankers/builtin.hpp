// The built-in ranker types and the process-wide registry that holds them.
#pragma once

#include "core/registry.hpp"

namespace rerank {

// Adds every ranker type rerank knows: supported ones with their factory, planned ones
// without (loading those is a NotSupported error that lists what is supported).
void register_builtin_rankers(RankerRegistry& registry);

// The registry with the built-in types, built on first use (thread-safe).
const RankerRegistry& ranker_registry();

}  // namespace rerank
