// The `t5` ranker: monoT5-style rerankers (monoT5, InRanker, RankT5, flan-T5) over any model
// whose table row names this type and that outputs the first decoder step's vocabulary
// logits (models/t5_model.hpp). Prepare: the family's template filled with the query and
// each document ("Query: {query} Document: {document} Relevant:" for monoT5), tokenised with
// the model's tokenizer (its </s> appended), cut from the right to the max length (which can
// cut "Relevant:" on long documents, as the reference does). Params (--param):
//   template=...     {query} and {document} are replaced
//   true_token=...   default ▁true (monoT5, InRanker); RankT5: <extra_id_10>
//   false_token=...  default ▁false
//   score=difference l_true - l_false (default; its sigmoid is P(true), the softmax over
//                    the two tokens, as monoT5/InRanker/rerankers report) | logprob
//                    (pygaggle: log_softmax([l_false, l_true])[1]) | logit (RankT5: l_true)
// A token missing from the vocabulary is Error(ModelFormat) naming it. The model is loaded with
// only the true and false rows of its head (outputs 0 and 1).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "models/architecture_table.hpp"
#include "models/model.hpp"
#include "rankers/model_ranker.hpp"
#include "rankers/registry.hpp"
#include "text/tokenizer.hpp"

namespace rerank {

class T5Ranker final : public ModelRanker {
 public:
  enum class ScoreRule { Difference, LogProb, Logit };

  T5Ranker(RankerInfo info, std::unique_ptr<text::Tokenizer> tokenizer, std::shared_ptr<const models::Model> model,
           const LoadOptions& options);

  const RankerInfo& info() const override { return info_; }
  const models::Model& model() const override { return *model_; }
  PreparedRequest prepare(std::string_view query, std::span<const std::string_view> documents,
                          const ScoreOptions& options, bool token_strings = false) const override;
  double score(std::span<const float> outputs) const override;

 private:
  RankerInfo info_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::shared_ptr<const models::Model> model_;
  std::string template_;
  ScoreRule rule_ = ScoreRule::Difference;
  std::size_t max_length_ = 512;
};

std::unique_ptr<ModelRanker> make_t5_ranker(const ModelSource& source, const LoadOptions& options,
                                            const models::ArchitectureTable& architectures);

}  // namespace rerank
