// A fake OpenAI-compatible chat-completions server on 127.0.0.1 for listwise tests: it records
// every request (body and Authorization header) and answers from a script, with an
// OpenAI-shaped completion or an error status.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rerank::testing {

class FakeChatServer {
 public:
  // answer(call index, request body) -> (status, assistant text)
  using Script = std::function<std::pair<int, std::string>(std::size_t, const nlohmann::json&)>;
  explicit FakeChatServer(Script script) : script_(std::move(script)) {
    http_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      const nlohmann::json body = nlohmann::json::parse(req.body);
      std::size_t call = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        call = requests_.size();
        requests_.push_back(body);
        auth_.push_back(req.get_header_value("Authorization"));
      }
      const auto [status, text] = script_(call, body);
      res.status = status;
      if (status != 200) {
        res.set_content(R"({"error":{"message":"scripted failure"}})", "application/json");
        return;
      }
      const nlohmann::json answer = {{"id", "chatcmpl-test"},
                           {"object", "chat.completion"},
                           {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}},
                                         {"finish_reason", "stop"}}}},
                           {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 10}, {"total_tokens", 110}}}};
      res.set_content(answer.dump(), "application/json");
    });
    http_.set_keep_alive_max_count(1);  // close after each answer: stop() need not wait for idle clients
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeChatServer() {
    http_.stop();
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<nlohmann::json> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::vector<std::string> auth() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return auth_;
  }

 private:
  Script script_;
  httplib::Server http_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> requests_;
  std::vector<std::string> auth_;
};


// The number of passages in a listwise prompt: RankGPT's multi-turn chat has 4 messages around
// one user and one assistant message per passage; RankZephyr's single turn lists "\n[i] ".
inline std::size_t passages_in(const nlohmann::json& body) {
  const nlohmann::json& m = body["messages"];
  if (m.size() > 2) return (m.size() - 4) / 2;
  std::size_t n = 0;
  const std::string text = m.back()["content"].get<std::string>();
  for (std::size_t at = text.find("\n["); at != std::string::npos; at = text.find("\n[", at + 1)) ++n;
  return n;
}

// "[n] > ... > [1]": the window reversed, as a model would write it.
inline std::string reversed_ranking(std::size_t size) {
  std::string out;
  for (std::size_t i = size; i >= 1; --i) out += "[" + std::to_string(i) + "]" + (i > 1 ? " > " : "");
  return out;
}

}  // namespace rerank::testing
