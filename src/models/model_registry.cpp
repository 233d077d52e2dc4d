// The architectures the cross-encoder runs, one explicit table (no static self-registration).
#include <functional>

#include "models/encoder_classifier.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace {

struct ArchitectureEntry {
  const char* architecture;
  const char* model_type;
  EncoderSpec (*spec)(const io::EncoderConfig&);
};

const std::vector<ArchitectureEntry>& entries() {
  static const std::vector<ArchitectureEntry> table = {
      {"BertForSequenceClassification", "bert", bert_spec},
      {"RobertaForSequenceClassification", "roberta", roberta_spec},
      {"XLMRobertaForSequenceClassification", "xlm-roberta", roberta_spec},
      {"CamembertForSequenceClassification", "camembert", roberta_spec},
      {"ElectraForSequenceClassification", "electra", electra_spec},
  };
  return table;
}

}  // namespace

std::vector<std::string> supported_encoder_architectures() {
  std::vector<std::string> out;
  for (const auto& e : entries()) out.emplace_back(e.architecture);
  return out;
}

EncoderSpec encoder_spec_for(const io::EncoderConfig& config) {
  for (const auto& e : entries()) {
    if (config.architecture == e.architecture) return e.spec(config);
  }
  if (config.architecture.empty()) {
    for (const auto& e : entries()) {
      if (config.model_type == e.model_type) return e.spec(config);
    }
  }
  std::string list;
  for (const auto& e : entries()) list += (list.empty() ? "" : ", ") + std::string(e.architecture);
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
