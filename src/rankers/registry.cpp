#include "rankers/registry.hpp"

#include <algorithm>

namespace rerank {

void RankerRegistry::add(RankerType type) {
  for (RankerType& existing : types_) {
    if (existing.name == type.name) {
      existing = std::move(type);
      return;
    }
  }
  types_.push_back(std::move(type));
}

const RankerType* RankerRegistry::find(const std::string& name) const {
  for (const RankerType& t : types_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> RankerRegistry::architectures_of(const RankerType& type) const {
  if (!type.takes_checkpoint) return {};
  return architectures_->architectures_of_ranker_type(type.name);
}

std::string RankerRegistry::supported_summary() const {
  std::string out;
  for (const RankerType& t : types_) {
    if (!t.factory) continue;
    if (!out.empty()) out += ", ";
    out += t.name;
    std::vector<std::string> archs;
    for (const models::ArchitectureRow& row : architectures_->rows()) {
      if (t.takes_checkpoint && row.ranker_type == t.name && row.implemented() &&
          std::find(archs.begin(), archs.end(), row.architecture) == archs.end()) {
        archs.push_back(row.architecture);
      }
    }
    for (std::size_t i = 0; i < archs.size(); ++i) out += (i == 0 ? " (" : ", ") + archs[i];
    if (!archs.empty()) out += ")";
  }
  return out;
}

}  // namespace rerank
