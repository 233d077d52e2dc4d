// The `cross-encoder` ranker: any model whose table row names this ranker type and whose
// output is one row of sequence logits (models::Model), fed by a Hugging Face tokenizer
// (text/). The query is tokenised once per request and combined with each
// document; pairs are packed without padding into batches under a token budget and run on
// pooled engine sessions, so concurrent callers never share scratch memory.
//
// Raw scores (the project's one score rule): the logit for 1-label models, logit1 - logit0
// for 2-label ones; ScoreKind::Logit.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rankers/registry.hpp"
#include "engine/device.hpp"
#include "models/architecture_table.hpp"
#include "models/model.hpp"
#include "rankers/registry.hpp"
#include "text/tokenizer.hpp"

namespace rerank {

struct CrossEncoderOptions {
  std::size_t max_length = 0;  // 0: min(tokenizer's model_max_length or 512, the model's positions)
  text::TruncationStrategy truncation = text::TruncationStrategy::OnlySecond;
  bool truncation_given = false;  // false: only_second, falling back to longest_first
  std::size_t batch_tokens = 0;   // 0: kDefaultBatchTokens
  // Threads tokenising ahead of the model; 1 tokenises inline. A CPU engine already uses
  // every core for compute, so only GPU devices want more (make_cross_encoder_ranker sets it).
  std::size_t tokenizer_threads = 1;
};

inline constexpr std::size_t kDefaultBatchTokens = 8192;
// On a GPU a batch's fixed costs (kernel launches, one host synchronisation) are amortised
// over more tokens; its scratch (fp32 activations) is a few hundred MB for XLM-R large.
inline constexpr std::size_t kDefaultGpuBatchTokens = 32768;

// What scoring one pair produced.
struct PairScore {
  std::vector<float> logits;
  double score = 0.0;
  std::size_t tokens = 0;
  bool truncated = false;
  bool fell_back = false;  // longest_first instead of an impossible only_second
};

// The cross-encoder's raw score from a row of logits: the logit of a 1-label head, logit1 -
// logit0 of a 2-label one (sentence-transformers' and rerankers' rule).
double score_from_logits(const float* logits, std::size_t labels);

// Counts over one call.
struct PairStats {
  std::size_t pairs = 0;
  std::size_t tokens = 0;
  std::size_t truncated = 0;             // pairs cut to max_length
  std::size_t truncation_fallbacks = 0;  // only_second impossible (long query): longest_first used
  std::size_t batches = 0;
};

class CrossEncoderRanker final : public Ranker {
 public:
  CrossEncoderRanker(RankerInfo info, std::unique_ptr<text::Tokenizer> tokenizer,
                     std::shared_ptr<const models::Model> model, CrossEncoderOptions options);
  ~CrossEncoderRanker() override;

  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view query, std::span<const Document> documents,
                         const ScoreOptions& options = {}) const override;
  std::vector<Scores> score_many(std::span<const std::string> queries,
                                 std::span<const std::vector<Document>> documents_per_query,
                                 const ScoreOptions& options = {}) const override;

  // Every (query, document) pair with its logits and token count: result[q][d].
  // Thread-safe. Error(InvalidInput) when a pair cannot be fitted (truncate=false, or
  // longest_first cannot fit either).
  std::vector<std::vector<PairScore>> score_pairs(
      std::span<const std::string_view> queries,
      std::span<const std::vector<std::string_view>> documents_per_query, const ScoreOptions& options = {},
      PairStats* stats = nullptr) const;

  const models::Model& model() const { return *model_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  std::size_t max_length() const { return max_length_; }
  std::size_t batch_tokens() const { return batch_tokens_; }

 private:
  class SessionLease;
  struct PairRef {
    std::size_t query;
    std::size_t document;
  };
  // One (query, document) pair tokenised and fitted to max_length.
  struct PreparedPair {
    text::Encoding encoding;
    bool over = false;       // cut to max_length
    bool fell_back = false;  // longest_first instead of an impossible only_second
  };
  PreparedPair prepare_pair(const text::Encoding& query, std::string_view document, std::size_t index,
                            const ScoreOptions& options, const text::TruncationOptions& trunc) const;
  std::unique_ptr<engine::Session> acquire_session() const;
  void release_session(std::unique_ptr<engine::Session> session) const;

  RankerInfo info_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::shared_ptr<const models::Model> model_;
  CrossEncoderOptions options_;
  std::size_t max_length_ = 512;
  std::size_t specials_ = 0;  // special tokens a pair gets ([CLS] q [SEP] d [SEP]: 3)
  std::size_t batch_tokens_ = kDefaultBatchTokens;
  mutable std::mutex sessions_mutex_;
  mutable std::vector<std::unique_ptr<engine::Session>> idle_sessions_;
};

// Registry factory: a checkpoint spec resolution located (a folder or Hub snapshot), or a
// shape:NAME description (random weights).
std::unique_ptr<Ranker> make_cross_encoder_ranker(const ModelSource& source, const LoadOptions& options,
                                                  const models::ArchitectureTable& architectures);

}  // namespace rerank
