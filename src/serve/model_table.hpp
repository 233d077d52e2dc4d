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
  std::vector<std::string> aliases;  // --served-model-name: more names it answers to
};

class ModelTable {
 public:
  // The first model is the default. Throws Error(InvalidArgument) when empty.
  explicit ModelTable(std::vector<ServedModel> models);

  // Empty: the default model. A loaded model's name, spec, model id or alias: that model. The
  // name of a hosted API's model that its SDK sends by default (is_hosted_api_model_name):
  // the default model, since the server stands in for that API. Anything else, an open-weight
  // Hub id (org/name) above all, names specific weights: Error(NotFound) listing the loaded
  // names, never another model's answer.
  const ServedModel& resolve(std::string_view requested) const;

  const std::vector<ServedModel>& models() const { return models_; }

 private:
  std::vector<ServedModel> models_;
};

// Names of hosted rerank APIs' models: Cohere and Voyage rerank-*, Jina's hosted
// jina-reranker-* / jina-colbert-*, Mixedbread's API names (mixedbread-ai/mxbai-rerank-*,
// mxbai-rerank-*), Pinecone's pinecone-rerank-* and cohere-rerank-*. Case-insensitive.
bool is_hosted_api_model_name(std::string_view name);

}  // namespace rerank::serve
