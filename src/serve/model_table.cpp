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
    if (requested == m.name || requested == info.spec || (!info.model.empty() && requested == info.model) ||
        std::find(m.aliases.begin(), m.aliases.end(), requested) != m.aliases.end()) {
      return m;
    }
  }
  if (is_hosted_api_model_name(requested)) return models_.front();
  std::string loaded;
  for (const ServedModel& m : models_) {
    loaded += (loaded.empty() ? "" : ", ") + m.name;
    for (const std::string& alias : m.aliases) loaded += ", " + alias;
  }
  throw Error(ErrorCode::NotFound, "model '" + std::string(requested) + "' is not loaded on this server; loaded: " +
                                       loaded + " (GET /v1/models lists them)");
}

bool is_hosted_api_model_name(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  // Prefixes, not substrings: "BAAI/bge-reranker-v2-m3" says "rerank" too, but it names
  // open weights a client expects to be scored by, not an API's default.
  for (const char* prefix : {"rerank-", "jina-reranker-", "jina-colbert-", "mixedbread-ai/mxbai-rerank-",
                             "mxbai-rerank-", "pinecone-rerank-", "cohere-rerank-"}) {
    if (lower.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace rerank::serve
