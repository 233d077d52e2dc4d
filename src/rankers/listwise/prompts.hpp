// The prompts listwise rerankers send for one window, as rank_llm renders them (@1b3cabb,
// rank_gpt_template.yaml and rank_zephyr_template.yaml; reranker_recipes.md 8.3-8.5):
//  - RankGPT: a multi-turn chat (system; the task; "Okay, please provide the passages.";
//    each passage as a user turn answered "Received passage [i]."; the closing request).
//  - RankZephyr / RankVicuna: a system message and one user turn holding every passage.
// Each passage is "Title: T Content: C" when it has a title, stripped, cut to its first
// `max_words` whitespace-separated words, and "[n]" becomes "(n)" in passages and query (so
// that no passage text looks like an identifier). rank_llm also runs ftfy.fix_text and
// shrinks max_words until the prompt fits the model's context with its tokenizer; a remote
// endpoint exposes neither, so only the word limit applies here (docs/families.md).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rerank/document.hpp"

namespace rerank::listwise {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
  bool operator==(const ChatMessage&) const = default;
};

// First: FIRST (rank_zephyr_alpha_template.yaml): RankZephyr's text with alphabetical
// identifiers "[A]".."[Z]" (example "[B] > [A]"), ranked by the first answer token's logits.
enum class PromptStyle { RankGpt, RankZephyr, First };

// "rankgpt", "rank_zephyr" (also "rankzephyr", "rank_vicuna") or "first" (also
// "rank_zephyr_alpha"); Error(InvalidArgument) names the styles otherwise.
PromptStyle parse_prompt_style(std::string_view name);

// A passage as the prompt shows it (see above); the title is metadata["title"] when a string.
std::string render_passage(const Document& document, std::size_t max_words);

// The messages for `passages` (the window, best first as currently ranked) and `query`.
std::vector<ChatMessage> listwise_prompt(PromptStyle style, std::string_view query,
                                         const std::vector<const Document*>& passages, std::size_t max_words);

}  // namespace rerank::listwise
