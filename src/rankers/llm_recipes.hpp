// The scoring recipes of pointwise LLM rerankers, as data: one row per published recipe
// (prompt pieces, default instruction, scoring tokens, score formula), so another reranker
// on a body rerank already runs is a row, not code. Sources and traps per row:
// ../shared/design/reranker_recipes.md (§1 for Qwen3-Reranker).
//
// How a row becomes model input (the reference's own piece-wise tokenisation, §0.1.1):
//   ids = encode(prefix) + cut(encode(body filled), max_length - |prefix| - |suffix|) + encode(suffix)
// prefix and suffix are tokenised alone without special tokens; the body is tokenised alone
// (with the tokenizer's special tokens, none for Qwen) and cut from the right, so a long
// document loses its tail (or, with a huge query, the <Document> marker itself, as the
// reference does). The body's {instruction}, {query} and {document} are filled in one pass.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rerank {

struct LlmRecipe {
  std::string name;     // --param recipe=NAME
  std::string family;   // the model family it is the default for ("" : none)
  std::string summary;  // for docs and errors
  std::string prefix, body, suffix;
  std::string default_instruction;
  // The score is logit(yes_token) - logit(no_token) at the last position: its sigmoid is the
  // softmax probability of yes over the two (the reference's score). A classifier conversion
  // (Qwen3ForSequenceClassification) scores with its head instead, on the same prompt.
  std::string yes_token, no_token;
  std::size_t default_max_length = 8192;  // the reference's max_length (the whole sequence)
};

const std::vector<LlmRecipe>& llm_recipes();
// The row named `name`; Error(InvalidArgument) listing the names otherwise.
const LlmRecipe& llm_recipe(std::string_view name);
// The default row of a model family; Error(NotSupported) when the family has none.
const LlmRecipe& llm_recipe_for_family(std::string_view family);

}  // namespace rerank
