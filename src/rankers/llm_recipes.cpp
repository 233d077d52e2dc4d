#include "rankers/llm_recipes.hpp"

#include "rerank/error.hpp"

namespace rerank {

namespace {

const std::string kQwen3Judge =
    "Judge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the "
    "answer can only be \"yes\" or \"no\".";
const std::string kQwen3Suffix = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";

std::vector<LlmRecipe> builtin_recipes() {
  std::vector<LlmRecipe> rows;
  // Qwen3-Reranker's model card / transformers usage (recipes §1.2): single newlines, the
  // card's instruction, prefix / body / suffix tokenised apart.
  LlmRecipe card;
  card.name = "qwen3";
  card.family = "qwen3";
  card.summary = "Qwen3-Reranker, model-card prompt (transformers usage)";
  card.prefix = "<|im_start|>system\n" + kQwen3Judge + "<|im_end|>\n<|im_start|>user\n";
  card.body = "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}";
  card.suffix = kQwen3Suffix;
  card.default_instruction = "Given a web search query, retrieve relevant passages that answer the query";
  card.yes_token = "yes";
  card.no_token = "no";
  rows.push_back(card);
  // The vLLM example and the published MTEB evaluation (§1.3): the chat template rendered
  // and tokenised as one text (double newlines, the user turn closed), cut, then the suffix,
  // so <|im_end|>\n appears twice; the evaluation class's default instruction (sic).
  LlmRecipe mteb = card;
  mteb.name = "qwen3-mteb";
  mteb.family = "";
  mteb.summary = "Qwen3-Reranker, vLLM example / MTEB evaluation prompt";
  mteb.prefix = "";
  mteb.body = "<|im_start|>system\n" + kQwen3Judge +
              "<|im_end|>\n<|im_start|>user\n<Instruct>: {instruction}\n\n<Query>: {query}\n\n<Document>: "
              "{document}<|im_end|>\n";
  mteb.default_instruction = "Given the user query, retrieval the relevant passages";
  rows.push_back(mteb);
  return rows;
}

std::string names() {
  std::string out;
  for (const LlmRecipe& r : llm_recipes()) out += (out.empty() ? "" : ", ") + r.name;
  return out;
}

}  // namespace

const std::vector<LlmRecipe>& llm_recipes() {
  static const std::vector<LlmRecipe> rows = builtin_recipes();
  return rows;
}

const LlmRecipe& llm_recipe(std::string_view name) {
  for (const LlmRecipe& r : llm_recipes()) {
    if (r.name == name) return r;
  }
  throw Error(ErrorCode::InvalidArgument, "unknown LLM reranker recipe '" + std::string(name) + "'; known: " + names());
}

const LlmRecipe& llm_recipe_for_family(std::string_view family) {
  for (const LlmRecipe& r : llm_recipes()) {
    if (r.family == family) return r;
  }
  throw Error(ErrorCode::NotSupported, "no LLM reranker recipe for the '" + std::string(family) +
                                           "' family yet (known recipes: " + names() + ")");
}

}  // namespace rerank
