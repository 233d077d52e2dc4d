// Where a model ranker's model and tokenizer come from, for every model ranker type: a
// checkpoint folder (its config.json as spec resolution read it, else read here when --type
// skipped detection), or a `shape:NAME` spec (the published config with random weights and
// the shape's tokenizer, rankers/shape_models.hpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "models/architecture_table.hpp"
#include "models/checkpoint.hpp"
#include "models/load_model.hpp"
#include "rankers/registry.hpp"
#include "text/tokenizer.hpp"

namespace rerank {

class ModelFiles {
 public:
  // Error(NotSupported) naming `ranker_type` when the spec is neither a folder nor a shape.
  ModelFiles(const ModelSource& source, std::string_view ranker_type);

  bool shape() const { return shape_; }
  // config.json of the folder, or the shape's config.
  const models::CheckpointInfo& checkpoint() const { return checkpoint_; }
  std::unique_ptr<text::Tokenizer> tokenizer() const;
  // The model on the device and precision `options` name (random weights for a shape).
  std::shared_ptr<const models::Model> load_model(const models::ModelLoadOptions& options,
                                                  const models::ArchitectureTable& architectures) const;
  // RankerInfo::model: the model id, the folder's name, or "shape:NAME (random weights)".
  std::string display_name() const;
  // RankerInfo::directory: the checkpoint folder, empty for a shape.
  std::string directory() const;

 private:
  const ModelSource& source_;
  bool shape_ = false;
  models::CheckpointInfo checkpoint_;
};

}  // namespace rerank
