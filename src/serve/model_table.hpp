// The models a server holds, each behind its own batching scheduler, and the request's
// `model` field resolved to one of them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/batch_scheduler.hpp"

namespace rerank::serve {

struct ServedModel {
  std::string name;  // what clients send as `model` (the spec it was loaded from)
  std::shared_ptr<runtime::BatchScheduler> scheduler;
};

class ModelTable {
 public:
  // The first model is the default. Throws Error(InvalidArgument) when empty.
  explicit ModelTable(std::vector<ServedModel> models);

  // Empty: the default model. A loaded model's name, spec or model id: that model. A hosted
  // vendor's model name (rerank-v3.5, jina-reranker-*, mxbai-rerank-*, BAAI/bge-reranker-*,
  // ...; see is_vendor_model_name): the default model, so clients with a hard-coded model
  // work unchanged. Anything else: Error(NotFound) listing the loaded models.
  const ServedModel& resolve(std::string_view requested) const;

  const std::vector<ServedModel>& models() const { return models_; }

 private:
  std::vector<ServedModel> models_;
};

// Names hosted rerank APIs and model hubs use for rerankers.
bool is_vendor_model_name(std::string_view name);

}  // namespace rerank::serve
