// `shape:NAME` model specs: the published sizes of popular cross-encoders with random
// weights (seed 0) and the real bert-base-uncased WordPiece tokenizer from
// ../shared/reference/tokenizers/bert-uncased, so benchmarks, the server and eval can run
// at real cost without downloading weights. Scores are meaningless; speed and memory are real.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/device.hpp"
#include "models/encoder_classifier.hpp"

namespace rerank {

// "minilm-l6", "bge-m3-large".
std::vector<std::string> shape_model_names();

// config.json of a shape ("minilm-l6" or "shape:minilm-l6"); Error(NotFound) listing the names.
nlohmann::json shape_model_config(std::string_view name);

// The bert-uncased tokenizer folder: $RERANK_SHARED_DIR/reference/tokenizers/bert-uncased, else
// ../shared/... from the working directory or from the executable's ancestors.
// Error(NotFound) saying where it looked.
std::filesystem::path shape_tokenizer_dir();

std::unique_ptr<models::EncoderClassifier> load_shape_model(std::string_view name,
                                                            std::shared_ptr<const engine::Device> device,
                                                            engine::Precision precision);

}  // namespace rerank
