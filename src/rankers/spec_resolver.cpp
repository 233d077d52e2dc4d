#include "rankers/spec_resolver.hpp"

#include "rankers/shape_models.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

#include "models/checkpoint.hpp"
#include "io/hub_cache.hpp"
#include "io/hub_client.hpp"
#include "io/hub_files.hpp"
#include "rankers/builtin.hpp"
#include "rerank/error.hpp"

namespace fs = std::filesystem;

namespace rerank {

const std::vector<RankerAlias>& ranker_aliases() {
  static const std::vector<RankerAlias> aliases = {
      {"bm25", "bm25", "bm25"},
      {"cross-encoder", "cross-encoder", "cross-encoder/ms-marco-MiniLM-L6-v2"},
      {"crossencoder", "cross-encoder", "cross-encoder/ms-marco-MiniLM-L6-v2"},
      {"flashrank", "cross-encoder", "cross-encoder/ms-marco-TinyBERT-L2-v2"},
      // FlashRank's model names whose ONNX files are exports of a Hub checkpoint (its README's
      // model cards): rerank runs the checkpoint. Its own-only models (MultiBERT, rank-T5-flan's
      // graph, miniReranker_arabic) have no checkpoint to run.
      {"ms-marco-TinyBERT-L-2-v2", "cross-encoder", "cross-encoder/ms-marco-TinyBERT-L2-v2"},
      {"ms-marco-MiniLM-L-12-v2", "cross-encoder", "cross-encoder/ms-marco-MiniLM-L12-v2"},
      {"ce-esci-MiniLM-L12-v2", "cross-encoder", "metarank/ce-esci-MiniLM-L12-v2"},
      {"t5", "t5", "unicamp-dl/InRanker-base"},
      {"monot5", "t5", "castorini/monot5-base-msmarco-10k"},
      {"colbert", "colbert", "colbert-ir/colbertv2.0"},
      {"llm", "llm", "Qwen/Qwen3-Reranker-0.6B"},
      {"qwen3", "llm", "Qwen/Qwen3-Reranker-0.6B"},
      {"mxbaiv2", "llm", "mixedbread-ai/mxbai-rerank-base-v2"},
      {"llm-layerwise", "llm-layerwise", "BAAI/bge-reranker-v2-minicpm-layerwise"},
      {"rankgpt", "listwise", "gpt-4o-mini"},
      {"rankgpt3", "listwise", "gpt-3.5-turbo"},  // rerankers' name
      {"rankzephyr", "listwise", "castorini/rank_zephyr_7b_v1_full"},  // on the endpoint that serves it
      {"rankllm", "listwise", "castorini/rank_zephyr_7b_v1_full"},
      {"listwise", "listwise", "gpt-4o-mini"},
      {"monovlm", "monovlm", "lightonai/MonoQwen2-VL-v0.1"},
      {"cohere", "cohere", "rerank-v3.5"},
      {"jina", "jina", "jina-reranker-v2-base-multilingual"},
      {"voyage", "voyage", "rerank-2.5"},
      {"voyageai", "voyage", "rerank-2.5"},
      {"mixedbread", "mixedbread", "mxbai-rerank-large-v2"},
      {"mixedbread.ai", "mixedbread", "mxbai-rerank-large-v2"},
      {"pinecone", "pinecone", "bge-reranker-v2-m3"},
      {"isaacus", "isaacus", "kanon-universal-classifier"},
      {"text-embeddings-inference", "tei", "http://127.0.0.1:8080"},
      {"tei", "tei", "http://127.0.0.1:8080"},
      {"llamacpp", "llamacpp", "http://127.0.0.1:8080"},
  };
  return aliases;
}

const std::vector<RankerAlias>& provider_prefixes() {
  static const std::vector<RankerAlias> prefixes = {
      {"cohere", "cohere", ""},         {"jina", "jina", ""},
      {"voyage", "voyage", ""},         {"voyageai", "voyage", ""},
      {"mixedbread", "mixedbread", ""}, {"mixedbread.ai", "mixedbread", ""},
      {"pinecone", "pinecone", ""},     {"isaacus", "isaacus", ""},
      {"tei", "tei", ""},               {"text-embeddings-inference", "tei", ""},
      {"llamacpp", "llamacpp", ""},     {"llama.cpp", "llamacpp", ""},
      {"vllm", "llamacpp", ""},         {"rerank", "rerank-server", ""},
      {"shape", "cross-encoder", ""},
  };
  return prefixes;
}

namespace {

// A checkpoint's ranker type: its row's. A row that is recognised but not implemented is
// refused here when its ranker type exists (the cross-encoder cannot run a ModernBERT yet);
// when the type itself is planned, loading says so.
std::string detect_type(const models::CheckpointInfo& checkpoint, const RankerRegistry& registry,
                        std::string* architecture) {
  const models::ArchitectureRow* row = registry.architectures().match(checkpoint);
  if (!row) {
    throw Error(ErrorCode::NotSupported, "unknown model architecture '" + checkpoint.name() +
                                             "' in config.json; supported: " + registry.supported_summary() +
                                             " (or pass --type to choose a ranker type)");
  }
  if (architecture) *architecture = row->architecture;
  const RankerType* type = registry.find(row->ranker_type);
  if (!row->implemented() && type && type->factory) {
    throw Error(ErrorCode::NotSupported, row->architecture + " (model_type '" + checkpoint.model_type + "', " +
                                             row->family + ") is not supported yet by the '" + row->ranker_type +
                                             "' ranker; supported: " + registry.supported_summary());
  }
  return row->ranker_type;
}

// config.json of DIR, or nullopt without one.
std::optional<models::CheckpointInfo> read_checkpoint_if_any(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / "config.json", ec)) return std::nullopt;
  return models::read_checkpoint(dir);
}

ModelSource from_directory(std::string_view spec, const fs::path& dir, const LoadOptions& options,
                           const RankerRegistry& registry) {
  ModelSource src;
  src.spec = std::string(spec);
  src.model = dir.filename().string();
  src.directory = dir;
  const std::optional<models::CheckpointInfo> checkpoint = read_checkpoint_if_any(dir);
  if (checkpoint) src.num_labels = models::num_labels_of(checkpoint->config);
  src.checkpoint = checkpoint;
  if (!options.type.empty()) {
    src.type = options.type;
    if (checkpoint) {
      // --type overrides detection; keep the row the table finds, if any (weights a refine
      // check cannot read are the chosen ranker's business, not a reason to refuse here).
      src.architecture = checkpoint->name();
      try {
        if (const models::ArchitectureRow* row = registry.architectures().match(*checkpoint)) {
          src.architecture = row->architecture;
        }
      } catch (const Error&) {
      }
    }
    return src;
  }
  if (!checkpoint) {
    throw Error(ErrorCode::NotFound, "no config.json in '" + dir.string() +
                                         "': cannot tell the model type; pass --type (supported: " +
                                         registry.supported_summary() + ")");
  }
  src.type = detect_type(*checkpoint, registry, &src.architecture);
  return src;
}

// The snapshot of a Hub id: cached when complete, else downloaded (offline: cached only).
fs::path hub_snapshot(const io::HubRepoId& id, const std::string& spec) {
  std::optional<fs::path> snapshot = io::find_cached_snapshot(id);
  if (io::hub_offline() && !snapshot) {
    throw Error(ErrorCode::NotFound,
                "model '" + id.repo + "' (revision " + id.revision + ") is not in the Hugging Face cache at " +
                    io::hub_repo_cache_dir(id.repo).string() +
                    " and HF_HUB_OFFLINE is set, so it cannot be downloaded: unset HF_HUB_OFFLINE, run "
                    "'rerank download " + spec + "' where the Hub is reachable, or pass a local model directory");
  }
  if (!snapshot || (!io::hub_offline() && !io::snapshot_is_complete(*snapshot))) {
    io::HubClientOptions hub = io::HubClientOptions::from_env();
    if (std::getenv("HF_HUB_DISABLE_PROGRESS_BARS") == nullptr) {
      hub.log = [](const std::string& line) { std::cerr << "rerank: " << line << "\n"; };
    }
    snapshot = io::HubClient(hub).download_model(id).path;
  }
  return *snapshot;
}

}  // namespace

std::string detect_type_from_config(const nlohmann::json& config, std::string* architecture,
                                    const RankerRegistry& registry) {
  return detect_type(models::checkpoint_from_config(config, "config.json", {}), registry, architecture);
}

void locate_checkpoint(ModelSource& source, const LoadOptions& options, const RankerRegistry& registry) {
  if (!source.directory.empty()) return;
  const auto id = io::parse_hub_repo_id(source.model);
  if (!id) return;
  ModelSource located = from_directory(source.spec, hub_snapshot(*id, source.model), options, registry);
  located.type = source.type;  // the alias chose the type
  located.model = id->repo;
  located.revision = id->revision;
  source = std::move(located);
}

ModelSource resolve_spec(std::string_view spec_view, const LoadOptions& options, const RankerRegistry& registry) {
  const std::string spec(spec_view);
  if (spec.empty()) {
    throw Error(ErrorCode::InvalidArgument, "empty model spec; try 'bm25' or a model directory");
  }
  std::error_code ec;

  // 1. A local directory.
  if (fs::is_directory(spec, ec) &&
      (spec.find('/') != std::string::npos || fs::exists(fs::path(spec) / "config.json", ec) ||
       fs::exists(fs::path(spec) / "tokenizer.json", ec))) {
    return from_directory(spec, fs::path(spec), options, registry);
  }

  // 2. provider:model (split at the first ':', exact provider names only).
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    const std::string prefix = spec.substr(0, colon);
    for (const RankerAlias& p : provider_prefixes()) {
      if (p.name == prefix) {
        ModelSource src;
        src.spec = spec;
        src.type = options.type.empty() ? p.type : options.type;
        src.model = prefix == "shape" ? spec : spec.substr(colon + 1);
        if (prefix == "shape" && options.type.empty()) {
          // A shape model runs as the ranker its architecture's table row names.
          src.type = detect_type_from_config(shape_model_config(spec), &src.architecture, registry);
        }
        if (src.model.empty()) {
          throw Error(ErrorCode::InvalidArgument, "model spec '" + spec + "' names no model after ':'");
        }
        return src;
      }
    }
  }

  // 3. An alias.
  for (const RankerAlias& a : ranker_aliases()) {
    if (a.name == spec) {
      ModelSource src;
      src.spec = spec;
      src.type = options.type.empty() ? a.type : options.type;
      src.model = a.default_model;
      return src;
    }
  }

  // 4. A type that runs no checkpoint (a listwise LLM behind an endpoint, a hosted API) takes
  // the spec as its model's name, even one spelled like a Hub id.
  if (!options.type.empty()) {
    if (const RankerType* type = registry.find(options.type); type && !type->takes_checkpoint) {
      ModelSource src;
      src.spec = spec;
      src.type = options.type;
      src.model = spec;
      return src;
    }
  }

  // 5. A Hub id: the cached snapshot when it has every file, else a download (the Hub
  // client's cache is huggingface_hub's). Offline, whatever the cache holds.
  if (auto id = io::parse_hub_repo_id(spec)) {
    ModelSource src = from_directory(spec, hub_snapshot(*id, spec), options, registry);
    src.model = id->repo;
    src.revision = id->revision;
    return src;
  }

  std::string aliases;
  for (const RankerAlias& a : ranker_aliases()) aliases += (aliases.empty() ? "" : ", ") + a.name;
  throw Error(ErrorCode::NotFound, "unknown model spec '" + spec +
                                       "': not a directory, provider:model, alias or Hub id (org/name). "
                                       "Aliases: " + aliases + ". Supported types: " + registry.supported_summary());
}

}  // namespace rerank
