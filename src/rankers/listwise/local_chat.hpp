// Listwise prompts answered by a decoder on the local engine (Qwen3, Qwen2 chat models):
// the messages rendered in the model's chat format (ChatML), greedy decoding with a KV cache
// (models::Model::generate), the answer decoded by the model's tokenizer; and FIRST's one
// forward pass whose first-token logits order the window. Thread-safe: each call runs on a
// session of its own.
#pragma once

#include <functional>
#include <memory>
#include <span>

#include "models/model.hpp"
#include "rankers/listwise/chat_backend.hpp"
#include "text/tokenizer.hpp"

namespace rerank::listwise {

struct LocalChatSettings {
  // Most tokens an answer may have; 0: as many as "[1] > [2] > ... > [w]" has for the
  // window (rank_llm's num_output_tokens: the tokenizer's count with special tokens, less one).
  std::size_t max_tokens = 0;
  // Tokens a prompt and its answer may use together (rank_llm's context_size), capped by
  // the model's positions.
  std::size_t context = 4096;
  // Qwen3: false (default) closes an empty <think></think> block after the assistant header,
  // the chat template's enable_thinking=False; true lets the model reason first (give it
  // max_tokens for that: the parser skips the closed block).
  bool thinking = false;
};

// FIRST's reading of the first answer token's logits (rank_llm before 94d8c51, which asked
// vLLM for the 30 most likely tokens): among the 30 highest logits (ties: lower id first),
// the tokens whose text is one letter of the window, by logit, a letter's best token
// counting once; the letters not among them follow in input order.
std::vector<std::size_t> first_order_from_logits(std::span<const float> logits, std::size_t window,
                                                 const std::function<std::string(std::int32_t)>& token_text);

class LocalChat final : public ChatBackend {
 public:
  // Error(NotSupported) naming the architecture when the model is not a causal LM with its
  // whole vocabulary head, or the tokenizer has no chat format this class can render.
  LocalChat(std::shared_ptr<const models::Model> model, std::shared_ptr<const text::Tokenizer> tokenizer,
            LocalChatSettings settings);

  ChatAnswer complete(const std::vector<ChatMessage>& messages, std::size_t window) const override;
  std::vector<std::size_t> first_token_order(const std::vector<ChatMessage>& messages, std::size_t window,
                                             nlohmann::json& usage) const override;
  std::optional<std::size_t> prompt_tokens(const std::vector<ChatMessage>& messages) const override;
  std::size_t prompt_budget(std::size_t window) const override;

  // The prompt text: ChatML turns and the assistant header (with Qwen3's empty think block
  // unless thinking), as the model's chat template renders it with add_generation_prompt.
  std::string render(const std::vector<ChatMessage>& messages) const;

 private:
  std::vector<std::int32_t> encode(const std::string& text) const;
  std::size_t answer_tokens(std::size_t window) const;

  std::shared_ptr<const models::Model> model_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  LocalChatSettings settings_;
  bool qwen3_ = false;
  std::vector<std::int32_t> stop_ids_;
};

}  // namespace rerank::listwise
