// Turns a model spec into a ModelSource: which ranker type, which model, which files.
// Spec forms, tried in this order (exact matches only, never substrings):
//   1. a local directory (with config.json or tokenizer.json, or a path with '/')
//   2. provider:model   (cohere:rerank-v3.5, tei:http://host:port, shape:minilm-l6, ...)
//   3. an alias         (bm25, cross-encoder, flashrank, t5, colbert, rankgpt, ...)
//   4. a Hub id         org/name[@revision], from the Hugging Face cache, downloaded into
//                       it when missing (not under HF_HUB_OFFLINE: then a NotFound error)
// An explicit LoadOptions::type overrides the detected type.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/registry.hpp"

namespace rerank {

struct RankerAlias {
  std::string name;           // what users write: "cross-encoder", "mixedbread.ai", ...
  std::string type;           // registry type
  std::string default_model;  // model used when the alias is the whole spec
};

// Every alias, including AnswerDotAI rerankers' model_type names.
const std::vector<RankerAlias>& ranker_aliases();

// provider:model prefixes ("cohere" -> "cohere", "text-embeddings-inference" -> "tei", ...).
const std::vector<RankerAlias>& provider_prefixes();

// The registry type for a config.json (architectures, model_type), with the architecture
// it found. Throws Error(NotSupported) for architectures rerank does not know.
std::string detect_type_from_config(const nlohmann::json& config, std::string* architecture);

// len(id2label) when present, else 2 (transformers' default).
std::size_t num_labels_from_config(const nlohmann::json& config);

ModelSource resolve_spec(std::string_view spec, const LoadOptions& options);

}  // namespace rerank
