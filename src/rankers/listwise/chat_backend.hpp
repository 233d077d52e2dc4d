// Where a listwise window's prompt goes: an OpenAI-compatible endpoint (ChatClient) or a
// decoder on the local engine (LocalChat). The ranker (listwise_ranker.cpp) renders the
// prompts, slides the windows and parses the answers the same way for both.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "rankers/listwise/prompts.hpp"

namespace rerank::listwise {

struct ChatAnswer {
  std::string text;       // the answer's text ("" when it has none)
  nlohmann::json usage;   // prompt_tokens / completion_tokens, when known
};

// Error(NotSupported): FIRST needs first-token logits, which a chat endpoint does not return.
[[noreturn]] void throw_first_needs_local_model();

class ChatBackend {
 public:
  virtual ~ChatBackend() = default;
  // The answer to `messages`, a prompt over `window` passages (a local model's default
  // answer length is that of "[1] > [2] > ... > [window]").
  virtual ChatAnswer complete(const std::vector<ChatMessage>& messages, std::size_t window) const = 0;
  // FIRST: the window's order by the logits of the answer's first token over the
  // identifiers "A", "B", ... after "[" (highest first), and the usage. Only a local model
  // exposes them: Error(NotSupported) otherwise.
  virtual std::vector<std::size_t> first_token_order(const std::vector<ChatMessage>& messages, std::size_t window,
                                                     nlohmann::json& usage) const;
  // Tokens of the prompt `messages` makes and the most it may have for an answer over
  // `window` passages, when the backend knows its tokenizer and context (a local model): the
  // ranker then shrinks the passages' word limit until the prompt fits, as rank_llm does.
  virtual std::optional<std::size_t> prompt_tokens(const std::vector<ChatMessage>& messages) const {
    (void)messages;
    return std::nullopt;
  }
  virtual std::size_t prompt_budget(std::size_t window) const {
    (void)window;
    return 0;
  }
};

}  // namespace rerank::listwise
