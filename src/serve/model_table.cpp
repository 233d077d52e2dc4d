#include "serve/model_table.hpp"

#include <algorithm>
#include <cctype>

#include "rerank/error.hpp"

namespace rerank::serve {

ModelTable::ModelTable(std::vector<ServedModel> models) : models_(std::move(models)) {
  if (models_.empty()) throw Error(ErrorCode::InvalidArgument, "the server needs at least one --model");
}

const ServedModel& ModelTable::resolve(std::string_view requested) const {
  if (requested.empty()) return models_.front();
  for (const ServedModel& m : models_) {
    const RankerInfo& info = m.scheduler->ranker().info();
    if (requested == m.name || requested == info.spec || (!info.model.empty() && requested == info.model)) {
      return m;
    }
  }
  if (is_vendor_model_name(requested)) return models_.front();
  std::string loaded;
  for (const ServedModel& m : models_) loaded += (loaded.empty() ? "" : ", ") + m.name;
  throw Error(ErrorCode::NotFound, "model '" + std::string(requested) + "' is not loaded on this server; loaded: " +
                                       loaded + " (GET /v1/models lists them)");
}

bool is_vendor_model_name(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  // Every hosted or hub reranker name we know of says "rerank" (Cohere rerank-*, Jina
  // jina-reranker-*, Mixedbread mxbai-rerank-*, BAAI bge-reranker-*, Qwen3-Reranker, Voyage
  // rerank-*, GGUF files for llama.cpp) or is an MS MARCO cross-encoder.
  for (const char* marker : {"rerank", "ms-marco", "cross-encoder/", "colbert"}) {
    if (lower.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace rerank::serve
