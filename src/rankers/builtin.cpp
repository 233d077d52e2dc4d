#include "rankers/builtin.hpp"

#include "rankers/api/api_ranker.hpp"
#include "rankers/bm25_ranker.hpp"
#include "rankers/cross_encoder_ranker.hpp"
#include "rankers/listwise/listwise_ranker.hpp"
#include "rankers/llm_ranker.hpp"
#include "rankers/t5_ranker.hpp"

namespace rerank {

namespace {

// A factory of rankers that score requests themselves.
template <typename Make>
RankerFactory scoring(Make make) {
  return [make](const ModelSource& source, const LoadOptions& options) {
    return LoadedRanker{make(source, options), nullptr};
  };
}

}  // namespace

RankerRegistry make_builtin_registry(std::shared_ptr<const models::ArchitectureTable> architectures) {
  RankerRegistry registry(architectures);
  // Supported.
  registry.add({"bm25", "lexical",
                "Okapi BM25 over the candidate documents (Snowball English stemming)",
                "nothing (no model files); params k1, b, stopwords, corpus", false,
                scoring(make_bm25_ranker)});

  // Known and planned: loading these is a clear NotSupported error until an issue adds them.
  registry.add({"cross-encoder", "cross-encoder",
                "Encoder sequence-classification rerankers (MiniLM, TinyBERT, bge-reranker, ELECTRA, gte-reranker-modernbert, Ettin)",
                "config.json, model.safetensors, tokenizer.json", true,
                [architectures](const ModelSource& source, const LoadOptions& options) {
                  return LoadedRanker{nullptr, make_cross_encoder_ranker(source, options, *architectures)};
                }});
  registry.add({"t5", "seq2seq", "monoT5-style rerankers (l_true - l_false at the first decoder step)",
                "config.json, model.safetensors, tokenizer", true,
                [architectures](const ModelSource& source, const LoadOptions& options) {
                  return LoadedRanker{nullptr, make_t5_ranker(source, options, *architectures)};
                }});
  registry.add({"colbert", "late-interaction", "ColBERT late interaction (MaxSim over token embeddings)",
                "config.json, model.safetensors (an encoder + linear), tokenizer.json", true, nullptr});
  registry.add({"llm", "llm", "pointwise LLM rerankers (Qwen3-Reranker and its -seq-cls conversions; l_yes - l_no)",
                "config.json, model.safetensors (or shards), tokenizer.json", true,
                [architectures](const ModelSource& source, const LoadOptions& options) {
                  return LoadedRanker{nullptr, make_llm_ranker(source, options, *architectures)};
                }});
  registry.add({"llm-layerwise", "llm", "layerwise LLM rerankers (bge-reranker-v2-minicpm-layerwise)",
                "config.json, model.safetensors, tokenizer.json", true, nullptr});
  registry.add({"listwise", "llm", "listwise LLM reranking (RankGPT, RankZephyr and FIRST prompts, sliding windows)",
                "an OpenAI-compatible chat endpoint (--endpoint, OPENAI_API_KEY), or a local Qwen3/Qwen2 chat "
                "model folder",
                false,
                scoring(make_listwise_ranker)});
  registry.add({"monovlm", "vlm", "vision-language rerankers (MonoQwen2-VL)", "a VLM checkpoint", true,
                nullptr});
  // Hosted APIs and self-hosted servers (src/rankers/api/, docs/providers.md).
  for (const char* provider : {"cohere", "jina", "voyage", "mixedbread", "pinecone", "isaacus"}) {
    registry.add({provider, "api", std::string("hosted reranking API: ") + provider,
                  "an API key (--api-key or the provider's environment variable)", false, scoring(api::make_api_ranker)});
  }
  for (const char* server : {"tei", "llamacpp", "rerank-server"}) {
    registry.add({server, "api", std::string("reranking server: ") + server, "a server URL (" +
                  std::string(server == std::string("rerank-server") ? "rerank" : server) + ":http://host:port)",
                  false, scoring(api::make_api_ranker)});
  }
  return registry;
}

const RankerRegistry& ranker_registry() {
  static const RankerRegistry registry = make_builtin_registry(
      std::shared_ptr<const models::ArchitectureTable>(&models::architecture_table(), [](const auto*) {}));
  return registry;
}

}  // namespace rerank
