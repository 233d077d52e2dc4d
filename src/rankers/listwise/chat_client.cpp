#include "rankers/listwise/chat_client.hpp"

#include "io/http_client.hpp"
#include "rankers/api/api_settings.hpp"
#include "rankers/api/response_validation.hpp"
#include "rankers/api/retrying_post.hpp"
#include "rerank/error.hpp"

namespace rerank::listwise {

std::string chat_completions_url(const std::string& base) {
  if (!api::is_http_url(base)) {
    throw Error(ErrorCode::InvalidArgument, "listwise endpoint '" + base +
                                                "' is not an http:// or https:// URL; write e.g. --endpoint "
                                                "http://127.0.0.1:8000/v1");
  }
  return api::endpoint_url(base, "/chat/completions");  // the hosted APIs' rule for a base or full URL
}

ChatClient::ChatClient(ChatSettings settings)
    : settings_(std::move(settings)), limiter_(settings_.requests_per_minute, 0, 1.0) {}

ChatAnswer ChatClient::complete(const std::vector<ChatMessage>& messages) const {
  nlohmann::json body = settings_.extra_body.is_object() ? settings_.extra_body : nlohmann::json::object();
  body["model"] = settings_.model;
  body["temperature"] = settings_.temperature;
  if (settings_.max_tokens > 0) body["max_tokens"] = settings_.max_tokens;
  body["messages"] = nlohmann::json::array();
  for (const ChatMessage& m : messages) body["messages"].push_back({{"role", m.role}, {"content", m.content}});

  io::HttpRequest http;
  http.url = settings_.url;
  http.method = io::HttpMethod::Post;
  if (!settings_.api_key.empty()) http.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
  http.headers.emplace_back("Content-Type", "application/json");
  http.headers.emplace_back("Accept", "application/json");
  http.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  http.accept_compressed = true;
  http.timeouts.connect = settings_.connect_timeout;
  http.timeouts.total = settings_.timeout;
  http.timeouts.stall = std::chrono::milliseconds(0);
  const api::PostTarget target{"chat endpoint " + settings_.model, settings_.api_key, "OPENAI_API_KEY or --api-key"};
  const io::HttpResponse response = api::post_retrying(http, target, settings_.retry, limiter_, 0);

  const nlohmann::json answer = api::parse_response_json(response.body, target.display_name, settings_.api_key);
  ChatAnswer out;
  const auto choices = answer.find("choices");
  if (choices == answer.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object() ||
      !(*choices)[0].contains("message") || !(*choices)[0]["message"].is_object()) {
    throw Error(ErrorCode::Backend, target.display_name + " answered without choices[0].message: not a chat completion");
  }
  const nlohmann::json& message = (*choices)[0]["message"];
  if (message.contains("content") && message["content"].is_string()) out.text = message["content"].get<std::string>();
  if (answer.contains("usage") && answer["usage"].is_object()) out.usage = answer["usage"];
  return out;
}

}  // namespace rerank::listwise
