// The `llm` ranker: pointwise decoder-LLM rerankers (Qwen3-Reranker; its -seq-cls
// conversions) over any model whose table row names this type. Prepare: the recipe's prompt
// (rankers/llm_recipes.hpp) with the instruction, query and document, tokenised piece-wise
// and cut as the reference does. Score: l_yes - l_no at the last position (its sigmoid is the
// reference's P(yes)), or the classifier head's logit for a converted checkpoint.
// Params (--param, or llm.KEY):
//   recipe=NAME        a row of llm_recipes() (default: the family's, "qwen3")
//   instruction=...    the task instruction (default: the recipe's; a request's own wins)
//   yes_token=... no_token=...  the scoring tokens (default: the recipe's, "yes" / "no")
//   prefix=... body=... suffix=...  replace the recipe's prompt pieces (body needs {document})
// A scoring token missing from the vocabulary is Error(ModelFormat) naming it.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "models/architecture_table.hpp"
#include "models/model.hpp"
#include "rankers/llm_recipes.hpp"
#include "rankers/model_ranker.hpp"
#include "rankers/registry.hpp"
#include "text/tokenizer.hpp"

namespace rerank {

class LlmRanker final : public ModelRanker {
 public:
  // `model` loaded with only the yes and no rows of its head (outputs 0 and 1), or a
  // classifier; max_length 0: the recipe's.
  LlmRanker(RankerInfo info, std::unique_ptr<text::Tokenizer> tokenizer, std::shared_ptr<const models::Model> model,
            LlmRecipe recipe, std::size_t max_length);

  const RankerInfo& info() const override { return info_; }
  const models::Model& model() const override { return *model_; }
  PreparedRequest prepare(std::string_view query, std::span<const std::string_view> documents,
                          const ScoreOptions& options, bool token_strings = false) const override;
  double score(std::span<const float> outputs) const override;

 private:
  RankerInfo info_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::shared_ptr<const models::Model> model_;
  LlmRecipe recipe_;                // with the params' overrides applied
  text::Encoding prefix_, suffix_;  // tokenised once
  bool classifier_ = false;         // a -seq-cls head's logits; else l_yes - l_no
  std::size_t max_length_ = 0;
};

// The recipe the params select (recipe=, else the family's default) with their overrides;
// Error(InvalidArgument) for an unknown param or recipe, a body without {document}.
LlmRecipe llm_recipe_from(const LoadOptions& options, const std::string& family);

std::unique_ptr<ModelRanker> make_llm_ranker(const ModelSource& source, const LoadOptions& options,
                                             const models::ArchitectureTable& architectures);

}  // namespace rerank
