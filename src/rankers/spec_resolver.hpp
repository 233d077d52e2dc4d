// Turns a model spec into a ModelSource: which ranker type, which model, which files.
// Spec forms, tried in this order (exact matches only, never substrings):
//   1. a local directory (with config.json or tokenizer.json, or a path with '/')
//   2. provider:model   (cohere:rerank-v3.5, tei:http://host:port, shape:minilm-l6, ...)
//   3. an alias         (bm25, cross-encoder, flashrank, t5, colbert, rankgpt, ...)
//   4. a Hub id         org/name[@revision], from the Hugging Face cache, downloaded into
//                       it when missing (not under HF_HUB_OFFLINE: then a NotFound error)
// An explicit LoadOptions::type overrides the detected type. Which ranker type runs a
// checkpoint is its row in the registry's architecture table; nothing here names one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rankers/builtin.hpp"
#include "rankers/registry.hpp"

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

// The registry type for a config.json alone (no weights to look at), with the table's
// architecture. Error(NotSupported) for an architecture the table lacks, or one it
// recognises whose ranker type exists but cannot run it yet.
std::string detect_type_from_config(const nlohmann::json& config, std::string* architecture,
                                    const RankerRegistry& registry = ranker_registry());

ModelSource resolve_spec(std::string_view spec, const LoadOptions& options,
                         const RankerRegistry& registry = ranker_registry());

// The one place a Hub id becomes a local checkout: the cached snapshot when complete, else a
// download into huggingface_hub's cache (offline: the cache only, else Error(NotFound)
// saying what to do). Fills source.directory, config, architecture and num_labels for a
// source whose model is a Hub id and that has no directory yet (an alias's default model);
// does nothing otherwise.
void locate_checkpoint(ModelSource& source, const LoadOptions& options, const RankerRegistry& registry);

}  // namespace rerank
