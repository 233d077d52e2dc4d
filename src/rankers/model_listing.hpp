// What `rerank models` prints: the ranker types, the architecture table and the aliases.
#pragma once

#include <string>

#include "rankers/registry.hpp"

namespace rerank {

std::string describe_models(const RankerRegistry& registry);

}  // namespace rerank
