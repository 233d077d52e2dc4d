// `shape:NAME` model specs: the published sizes of popular cross-encoders with random
// weights (seed 0) and a real tokenizer (bert-base-uncased WordPiece from
// ../shared/vocab/bert-base-uncased; for decoders the byte-level BPE with Qwen's chat markers
// from ../shared/reference/tokenizers/qwen-bpe), so benchmarks, the server and eval run at real cost
// and real token lengths without downloading weights. Scores are meaningless; speed and
// memory are real.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/device.hpp"
#include "models/load_model.hpp"

namespace rerank {

// "minilm-l6", "bge-m3-large", "modernbert-base", "monot5-base", "qwen3-reranker-0.6b".
std::vector<std::string> shape_model_names();

// Whether `spec` is "shape:..." (a shape model rather than a checkpoint).
bool is_shape_spec(std::string_view spec);

// config.json of a shape ("minilm-l6" or "shape:minilm-l6"); Error(NotFound) listing the names.
nlohmann::json shape_model_config(std::string_view name);

// The tokenizer folder of `shape` (qwen* shapes: reference/tokenizers/qwen-bpe, the others
// vocab/bert-base-uncased) under $RERANK_SHARED_DIR, else
// ../shared/... from the working directory or from the executable's ancestors.
// Error(NotFound) saying where it looked.
std::filesystem::path shape_tokenizer_dir(std::string_view shape = {});

// The shape's config as a checkpoint without a folder (where = "shape:NAME").
models::CheckpointInfo shape_checkpoint(std::string_view name);
// The shape's model through the architecture table, with random weights.
std::shared_ptr<const models::Model> load_shape_model(std::string_view name, const models::ModelLoadOptions& options,
                                                      const models::ArchitectureTable& architectures);

}  // namespace rerank
