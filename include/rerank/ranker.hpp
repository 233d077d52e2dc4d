// The Ranker interface every backend implements, and rerank::load().
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rerank/document.hpp"
#include "rerank/score_rule.hpp"

namespace rerank {


struct RankerInfo {
  std::string type;   // registry type, e.g. "bm25", "cross-encoder"
  std::string spec;   // the spec it was loaded from
  std::string model;  // a human-readable model name
  // The local folder the model's files were read from (a checkpoint folder or its Hub cache
  // snapshot); empty for rankers without one (BM25, hosted APIs, shape: models).
  std::string directory;
  ScoreKind score_kind = ScoreKind::RankingScore;  // of its raw scores (rerank/score_rule.hpp)
  // Where a model runs; empty or 0 for rankers without a local model (BM25, hosted APIs).
  std::string device;            // the engine's one-line description (backend, ISA, threads)
  std::string precision;         // "fp32", "bf16", "int8"
  std::size_t max_length = 0;    // the longest model input, in tokens
  std::size_t batch_tokens = 0;  // the token budget of one forward pass
};

// What a ranker that runs a local model measured for one document.
struct DocumentStats {
  std::vector<float> outputs;  // the model outputs the score came from (a classifier's logits)
  std::size_t tokens = 0;      // tokens of the model input (query, document and special tokens)
  bool truncated = false;      // cut to max_length
  bool longest_first_fallback = false;  // the query alone was too long for only_second: both were cut
};

// Per-request knobs that front ends (server dialects, CLI) pass through to rankers.
struct ScoreOptions {
  std::optional<std::size_t> max_tokens_per_doc;  // truncate each document to this budget
  bool truncate = true;                           // false: over-long input is an error
  bool truncate_left = false;                     // TEI truncation_direction=left
  // The task instruction of instruction-following rerankers (Qwen3-Reranker's <Instruct>);
  // unset: the ranker's own (--param instruction=..., else its recipe's). Others ignore it.
  std::optional<std::string> instruction;
};

// Raw scores in input order plus what the ranker reports about producing them.
struct Scores {
  std::vector<double> values;
  nlohmann::json usage = nlohmann::json::object();  // tokens/search units, when known
  std::string ranker;                               // spec that produced them (fallback chains)
  std::vector<SkippedRanker> skipped;
  // Per document in input order where the ranker runs a local model, else empty.
  std::vector<DocumentStats> documents;
  double flops = 0.0;  // the model's floating-point operations for these documents (0: unknown)
};

// A loaded ranker. Implementations are immutable after load and thread-safe: every const
// method may be called concurrently from several threads.
class Ranker {
 public:
  virtual ~Ranker() = default;

  virtual const RankerInfo& info() const = 0;

  // The primitive: raw scores of `documents` for `query`, in input order.
  virtual Scores score_documents(std::string_view query, std::span<const Document> documents,
                                 const ScoreOptions& options = {}) const = 0;

  // Several queries at once. The default loops; batching rankers override it to merge
  // all pairs into shared forward passes.
  virtual std::vector<Scores> score_many(std::span<const std::string> queries,
                                         std::span<const std::vector<Document>> documents_per_query,
                                         const ScoreOptions& options = {}) const;

  // Sorted results (ties keep input order), with provenance and usage.
  RankedResults rank(std::string_view query, std::vector<Document> documents,
                     const ScoreOptions& options = {}) const;
  double score(std::string_view query, const Document& document) const;
  std::vector<RankedResults> rank_many(const std::vector<std::string>& queries,
                                       std::vector<std::vector<Document>> documents_per_query,
                                       const ScoreOptions& options = {}) const;
};

struct LoadOptions {
  std::string type;             // explicit type override (--type); empty: detect from the spec
  std::string device = "cpu";   // "cpu", "cuda", "cuda:N"
  std::string precision = "fp32";
  int threads = 0;              // 0: one per core
  // CPU: forward passes run at once, each on threads / lanes cores; more throughput under
  // load, the same latency for a request of one batch. 1: every pass on all threads.
  int lanes = 1;
  std::string cuda_attention = "auto";  // CUDA bf16 attention kernel: "auto" (mma) or "wmma"
  std::size_t max_length = 0;   // 0: the model's default
  std::string truncation;       // empty: the ranker's default
  std::size_t batch_tokens = 0; // 0: the ranker's default token budget
  std::string endpoint;         // hosted APIs: override the default URL
  std::string api_key;          // hosted APIs: overrides the environment variable
  std::vector<std::string> fallbacks;         // tried in order when the primary fails
  // type-specific settings (bm25: k1, b, ...); "TYPE.key" reaches only rankers of TYPE
  std::map<std::string, std::string> params;
};

// Loads a ranker from a spec: a local directory, a Hub id (org/name[@revision]), an alias
// (bm25, cross-encoder, flashrank, ...) or provider:model for hosted APIs.
// Never returns null and never silently substitutes another model: on failure it throws
// rerank::Error whose message says what to do.
std::unique_ptr<Ranker> load(std::string_view spec, const LoadOptions& options = {});

}  // namespace rerank
