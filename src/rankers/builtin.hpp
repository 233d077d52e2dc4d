// The built-in ranker types and the process-wide registry that holds them.
#pragma once

#include "rankers/registry.hpp"

namespace rerank {

// Every ranker type rerank knows over `architectures`: supported ones with their factory,
// planned ones without (loading those is a NotSupported error that lists what is supported).
// Tests pass a table with rows of their own.
RankerRegistry make_builtin_registry(std::shared_ptr<const models::ArchitectureTable> architectures);

// The registry with the built-in types over models::architecture_table(), built on first use
// (thread-safe).
const RankerRegistry& ranker_registry();

}  // namespace rerank
