#include "rankers/spec_resolver.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

#include "core/json_parse.hpp"
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
      {"t5", "t5", "unicamp-dl/InRanker-base"},
      {"monot5", "t5", "castorini/monot5-base-msmarco-10k"},
      {"colbert", "colbert", "colbert-ir/colbertv2.0"},
      {"llm", "llm", "Qwen/Qwen3-Reranker-0.6B"},
      {"qwen3", "llm", "Qwen/Qwen3-Reranker-0.6B"},
      {"mxbaiv2", "llm", "mixedbread-ai/mxbai-rerank-base-v2"},
      {"llm-layerwise", "llm-layerwise", "BAAI/bge-reranker-v2-minicpm-layerwise"},
      {"rankgpt", "listwise", "gpt-4o-mini"},
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

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

nlohmann::json read_config(const fs::path& dir) {
  const fs::path path = dir / "config.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_json(text, path.string(), {kMaxJsonDepth, ErrorCode::ModelFormat, ""});
}

std::string supported_list() { return ranker_registry().supported_summary(); }

ModelSource from_directory(std::string_view spec, const fs::path& dir, const LoadOptions& options) {
  ModelSource src;
  src.spec = std::string(spec);
  src.model = dir.filename().string();
  src.directory = dir;
  src.config = read_config(dir);
  if (!options.type.empty()) {
    src.type = options.type;
    if (src.config.is_object()) {
      std::string arch;
      try {
        detect_type_from_config(src.config, &arch);
      } catch (const Error&) {
        // --type overrides detection; keep whatever the config names.
      }
      src.architecture = arch;
      src.num_labels = num_labels_from_config(src.config);
    }
    return src;
  }
  if (!src.config.is_object()) {
    throw Error(ErrorCode::NotFound, "no config.json in '" + dir.string() +
                                         "': cannot tell the model type; pass --type (supported: " +
                                         supported_list() + ")");
  }
  src.type = detect_type_from_config(src.config, &src.architecture);
  src.num_labels = num_labels_from_config(src.config);
  return src;
}

}  // namespace

std::size_t num_labels_from_config(const nlohmann::json& config) {
  if (config.is_object() && config.contains("id2label") && config["id2label"].is_object()) {
    return config["id2label"].size();
  }
  return 2;
}

std::string detect_type_from_config(const nlohmann::json& config, std::string* architecture) {
  std::string arch;
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty() && config["architectures"][0].is_string()) {
    arch = config["architectures"][0].get<std::string>();
  }
  const std::string model_type = config.value("model_type", "");
  if (architecture) *architecture = arch.empty() ? model_type : arch;

  if (arch == "HF_ColBERT" || arch == "ColBERT" || ((arch == "BertModel" || arch == "XLMRobertaModel") &&
                                                    model_type != "")) {
    // A bare encoder (no head) is only a reranker as ColBERT's token-embedding model.
    return "colbert";
  }
  if (ends_with(arch, "ForSequenceClassification")) {
    static const std::vector<std::string> encoder_types = {"bert", "roberta", "xlm-roberta", "electra",
                                                           "distilbert", "camembert"};
    if (std::find(encoder_types.begin(), encoder_types.end(), model_type) != encoder_types.end()) {
      return "cross-encoder";
    }
    if (model_type == "modernbert" || model_type == "deberta-v2" || model_type == "deberta") {
      throw Error(ErrorCode::NotSupported, arch + " (model_type '" + model_type +
                                               "') cross-encoders are not supported yet; supported: " +
                                               supported_list());
    }
    // Sequence classifiers on decoder LLMs (e.g. Qwen2ForSequenceClassification).
    return "llm";
  }
  if (model_type == "t5" || model_type == "mt5" || ends_with(arch, "ForConditionalGeneration")) return "t5";
  if (ends_with(arch, "ForCausalLM") || ends_with(arch, "LMHeadModel")) return "llm";
  throw Error(ErrorCode::NotSupported,
              "unknown model architecture '" + (arch.empty() ? model_type : arch) +
                  "' in config.json; supported: " + supported_list() +
                  " (or pass --type to choose a ranker type)");
}

ModelSource resolve_spec(std::string_view spec_view, const LoadOptions& options) {
  const std::string spec(spec_view);
  if (spec.empty()) {
    throw Error(ErrorCode::InvalidArgument, "empty model spec; try 'bm25' or a model directory");
  }
  std::error_code ec;

  // 1. A local directory.
  if (fs::is_directory(spec, ec) &&
      (spec.find('/') != std::string::npos || fs::exists(fs::path(spec) / "config.json", ec) ||
       fs::exists(fs::path(spec) / "tokenizer.json", ec))) {
    return from_directory(spec, fs::path(spec), options);
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

  // 4. A Hub id: the cached snapshot when it has every file, else a download (the Hub
  // client's cache is huggingface_hub's). Offline, whatever the cache holds.
  if (auto id = io::parse_hub_repo_id(spec)) {
    std::optional<fs::path> snapshot = io::find_cached_snapshot(*id);
    if (io::hub_offline() && !snapshot) {
      throw Error(ErrorCode::NotFound,
                  "model '" + id->repo + "' (revision " + id->revision + ") is not in the Hugging Face cache at " +
                      io::hub_repo_cache_dir(id->repo).string() +
                      " and HF_HUB_OFFLINE is set, so it cannot be downloaded: unset HF_HUB_OFFLINE, run "
                      "'rerank download " + spec + "' where the Hub is reachable, or pass a local model directory");
    }
    if (!snapshot || (!io::hub_offline() && !io::snapshot_is_complete(*snapshot))) {
      io::HubClientOptions hub = io::HubClientOptions::from_env();
      if (std::getenv("HF_HUB_DISABLE_PROGRESS_BARS") == nullptr) {
        hub.log = [](const std::string& line) { std::cerr << "rerank: " << line << "\n"; };
      }
      snapshot = io::HubClient(hub).download_model(*id).path;
    }
    ModelSource src = from_directory(spec, *snapshot, options);
    src.model = id->repo;
    src.revision = id->revision;
    return src;
  }

  std::string aliases;
  for (const RankerAlias& a : ranker_aliases()) aliases += (aliases.empty() ? "" : ", ") + a.name;
  throw Error(ErrorCode::NotFound, "unknown model spec '" + spec +
                                       "': not a directory, provider:model, alias or Hub id (org/name). "
                                       "Aliases: " + aliases + ". Supported types: " + supported_list());
}

}  // namespace rerank
