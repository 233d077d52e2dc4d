// The `cross-encoder` ranker: any model whose table row names this ranker type and whose
// output is one row of sequence logits (models::Model), fed by a Hugging Face tokenizer
// (text/). It implements the prepare phase (rankers/model_ranker.hpp): the query is
// tokenised once per request and combined with each document into [CLS] q [SEP] d [SEP]
// (or the tokenizer's template), fitted to the max length; the runtime runs the pairs.
//
// Raw scores (the project's one score rule): the logit for 1-label models, logit1 - logit0
// for 2-label ones; ScoreKind::Logit.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "models/architecture_table.hpp"
#include "models/model.hpp"
#include "rankers/model_ranker.hpp"
#include "rankers/registry.hpp"
#include "text/tokenizer.hpp"

namespace rerank {

struct CrossEncoderOptions {
  std::size_t max_length = 0;  // 0: min(tokenizer's model_max_length or 512, the model's positions)
  text::TruncationStrategy truncation = text::TruncationStrategy::OnlySecond;
  bool truncation_given = false;  // false: only_second, falling back to longest_first
  // Threads tokenising one request's documents; 1 tokenises inline. A CPU engine already
  // uses every core for compute, so only GPU devices want more (make_cross_encoder_ranker).
  std::size_t tokenizer_threads = 1;
};

// The cross-encoder's raw score from a row of logits: the logit of a 1-label head, logit1 -
// logit0 of a 2-label one (sentence-transformers' and rerankers' rule).
double score_from_logits(const float* logits, std::size_t labels);

class CrossEncoderRanker final : public ModelRanker {
 public:
  CrossEncoderRanker(RankerInfo info, std::unique_ptr<text::Tokenizer> tokenizer,
                     std::shared_ptr<const models::Model> model, CrossEncoderOptions options);
  ~CrossEncoderRanker() override;

  const RankerInfo& info() const override { return info_; }
  const models::Model& model() const override { return *model_; }
  PreparedRequest prepare(std::string_view query, std::span<const std::string_view> documents,
                          const ScoreOptions& options, bool token_strings = false) const override;
  double score(std::span<const float> outputs) const override;

  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  std::size_t max_length() const { return max_length_; }

 private:
  PreparedSequence prepare_pair(const text::Encoding& query, std::string_view document, std::size_t index,
                                const ScoreOptions& options, const text::TruncationOptions& trunc,
                                bool token_strings) const;

  RankerInfo info_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::shared_ptr<const models::Model> model_;
  CrossEncoderOptions options_;
  std::size_t max_length_ = 512;
  std::size_t specials_ = 0;  // special tokens a pair gets ([CLS] q [SEP] d [SEP]: 3)
};

// Registry factory: a checkpoint spec resolution located (a folder or Hub snapshot), or a
// shape:NAME description (random weights).
std::unique_ptr<ModelRanker> make_cross_encoder_ranker(const ModelSource& source, const LoadOptions& options,
                                                       const models::ArchitectureTable& architectures);

}  // namespace rerank
