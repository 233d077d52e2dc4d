// An OpenAI-compatible chat-completions client (POST {endpoint}/chat/completions: OpenAI,
// vLLM, llama.cpp server, Ollama, LM Studio, ...) for listwise rerankers, on the hosted-API
// layer's rules (rankers/api/retrying_post.hpp: retries, Retry-After, rate limits, typed
// errors, key redaction). Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rankers/api/rate_limiter.hpp"
#include "rankers/api/retry_policy.hpp"
#include "rankers/listwise/chat_backend.hpp"

namespace rerank::listwise {

struct ChatSettings {
  std::string url;      // the full .../chat/completions URL
  std::string model;    // the endpoint's model name
  std::string api_key;  // empty: no Authorization header (local servers)
  double temperature = 0.0;
  int max_tokens = 0;   // 0: not sent
  nlohmann::json extra_body = nlohmann::json::object();  // merged into each request
  api::RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{120000};
  double requests_per_minute = 0;  // 0: no limit
};

// ChatAnswer: the first choice's message content and the endpoint's usage object.
class ChatClient final : public ChatBackend {
 public:
  explicit ChatClient(ChatSettings settings);
  // Throws the typed errors of the API layer; Error(Backend) when the answer is not a chat
  // completion (no choices[0].message).
  ChatAnswer complete(const std::vector<ChatMessage>& messages) const;
  ChatAnswer complete(const std::vector<ChatMessage>& messages, std::size_t) const override { return complete(messages); }
  const ChatSettings& settings() const { return settings_; }

 private:
  ChatSettings settings_;
  mutable api::RateLimiter limiter_;
};

// "{base}/chat/completions" unless `base` already ends with that path; Error(InvalidArgument)
// for a base that is not an http(s) URL.
std::string chat_completions_url(const std::string& base);

}  // namespace rerank::listwise
