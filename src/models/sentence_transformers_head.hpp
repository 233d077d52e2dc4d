// The head of a sentence-transformers CrossEncoder saved as modules (sentence-transformers
// v5's modular CrossEncoder: the Ettin rerankers): modules.json names a Transformer at the
// root (a bare encoder such as ModernBertModel), then Pooling, then Dense and LayerNorm
// modules in their own folders, the last Dense giving the scores. Read here into a plain
// description; the family that runs the encoder builds the head from it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "engine/types.hpp"

namespace rerank::models {

struct ModularHeadStep {
  enum class Kind { Dense, LayerNorm };
  Kind kind = Kind::Dense;
  std::filesystem::path folder;  // the module's folder (its config.json and model.safetensors)
  std::int64_t in = 0, out = 0;  // Dense: features; LayerNorm: in == out == dimension
  bool bias = true;              // Dense only (LayerNorm always has one)
  engine::Activation activation = engine::Activation::None;  // Dense only
};

struct ModularHead {
  bool mean_pooling = false;  // Pooling: "mean" (else "cls")
  std::vector<ModularHeadStep> steps;
  std::int64_t outputs() const { return steps.empty() ? 0 : steps.back().out; }
};

// DIR/modules.json when it describes a CrossEncoder head this engine runs (Transformer at
// the root, Pooling cls or mean, then Dense and LayerNorm modules ending in a Dense);
// nullopt when there is no modules.json or it describes something else (a sentence
// embedder, a ColBERT projection). A modules.json that claims such a head but whose module
// configs are missing or malformed is Error(ModelFormat) naming the file.
std::optional<ModularHead> read_modular_cross_encoder_head(const std::filesystem::path& dir);

}  // namespace rerank::models
