#include "core/registry.hpp"

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

std::string RankerRegistry::supported_summary() const {
  std::string out;
  for (const RankerType& t : types_) {
    if (!t.factory) continue;
    if (!out.empty()) out += ", ";
    out += t.name;
    if (!t.architectures.empty()) {
      out += " (";
      for (std::size_t i = 0; i < t.architectures.size(); ++i) {
        if (i) out += ", ";
        out += t.architectures[i];
      }
      out += ")";
    }
  }
  return out;
}

}  // namespace rerank
