// The architectures the cross-encoder runs, one explicit table (no static self-registration).
#include <functional>

#include "models/encoder_classifier.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace {

struct ArchitectureEntry {
  const char* architecture;  // config.json architectures[0]
  const char* model_type;    // config.json model_type (when architectures is absent)
  const char* ranker_type;   // the ranker type that loads it
  EncoderSpec (*spec)(const io::EncoderConfig&);  // null: detected, not implemented yet
};

// The only place architectures are named: the ranker registry, shapes and spec resolution
// read it from here.
const std::vector<ArchitectureEntry>& entries() {
  static const std::vector<ArchitectureEntry> table = {
      {"BertForSequenceClassification", "bert", "cross-encoder", bert_spec},
      {"RobertaForSequenceClassification", "roberta", "cross-encoder", roberta_spec},
      {"XLMRobertaForSequenceClassification", "xlm-roberta", "cross-encoder", roberta_spec},
      {"CamembertForSequenceClassification", "camembert", "cross-encoder", roberta_spec},
      {"ElectraForSequenceClassification", "electra", "cross-encoder", electra_spec},
      {"T5ForConditionalGeneration", "t5", "t5", nullptr},
  };
  return table;
}

}  // namespace

std::vector<std::string> supported_encoder_architectures() {
  std::vector<std::string> out;
  for (const auto& e : entries())
    if (e.spec) out.emplace_back(e.architecture);
  return out;
}

std::vector<std::string> architectures_of_ranker_type(std::string_view ranker_type) {
  std::vector<std::string> out;
  for (const auto& e : entries())
    if (ranker_type == e.ranker_type) out.emplace_back(e.architecture);
  return out;
}

std::string architecture_of_model_type(std::string_view model_type) {
  for (const auto& e : entries())
    if (model_type == e.model_type) return e.architecture;
  throw Error(ErrorCode::NotFound, "no architecture has model_type '" + std::string(model_type) + "'");
}

EncoderSpec encoder_spec_for(const io::EncoderConfig& config) {
  for (const auto& e : entries()) {
    if (e.spec && config.architecture == e.architecture) return e.spec(config);
  }
  if (config.architecture.empty()) {
    for (const auto& e : entries()) {
      if (e.spec && config.model_type == e.model_type) return e.spec(config);
    }
  }
  std::string list;
  for (const auto& name : supported_encoder_architectures()) list += (list.empty() ? "" : ", ") + name;
  throw Error(ErrorCode::NotSupported, "architecture '" +
                                           (config.architecture.empty() ? config.model_type : config.architecture) +
                                           "' is not a supported cross-encoder; supported: " + list);
}

std::unique_ptr<EncoderClassifier> load_encoder_classifier(const std::filesystem::path& dir,
                                                           std::shared_ptr<const engine::Device> device,
                                                           engine::Precision precision) {
  io::EncoderConfig config = io::read_encoder_config(dir);
  EncoderSpec spec = encoder_spec_for(config);
  CheckpointWeights weights(io::Checkpoint::open(dir));
  return std::make_unique<EncoderClassifier>(std::move(config), std::move(spec), weights, std::move(device), precision);
}

}  // namespace rerank::models
