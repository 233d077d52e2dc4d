#include "rankers/model_files.hpp"

#include "rankers/shape_models.hpp"
#include "rerank/error.hpp"

namespace rerank {

ModelFiles::ModelFiles(const ModelSource& source, std::string_view ranker_type)
    : source_(source), shape_(is_shape_spec(source.model) && source.directory.empty()) {
  if (!shape_ && source.directory.empty()) {
    throw Error(ErrorCode::NotSupported, "the " + std::string(ranker_type) +
                                             " ranker needs a checkpoint folder or a Hub id ('" + source.spec + "')");
  }
  checkpoint_ = shape_ ? shape_checkpoint(source.model)
                       : (source.checkpoint ? *source.checkpoint : models::read_checkpoint(source.directory));
}

std::unique_ptr<text::Tokenizer> ModelFiles::tokenizer() const {
  return text::Tokenizer::from_directory(shape_ ? shape_tokenizer_dir(source_.model) : source_.directory);
}

std::shared_ptr<const models::Model> ModelFiles::load_model(const models::ModelLoadOptions& options,
                                                            const models::ArchitectureTable& architectures) const {
  if (shape_) return load_shape_model(source_.model, options, architectures);
  return models::load_model(checkpoint_, options, architectures);
}

std::string ModelFiles::directory() const { return shape_ ? std::string() : source_.directory.string(); }

std::string ModelFiles::display_name() const {
  if (shape_) return source_.model + " (random weights)";
  return source_.model.empty() ? source_.directory.filename().string() : source_.model;
}

}  // namespace rerank
