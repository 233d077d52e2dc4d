#include "rankers/api/status_error.hpp"

#include <nlohmann/json.hpp>

namespace rerank::api {

namespace {

// Error bodies are at most a few objects deep. A deeper one (an upstream or proxy answering
// with 100,000 nested arrays) is quoted as text: dumping it would recurse once per level.
constexpr int kMaxErrorBodyDepth = 16;

bool nested_deeper_than(const std::string& body, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::string provider_error_message(const std::string& body) {
  std::string message;
  try {
    if (nested_deeper_than(body, kMaxErrorBodyDepth)) {
      message = body;
    } else {
      const nlohmann::json j = nlohmann::json::parse(body);
      if (j.is_object()) {
        for (const char* key : {"message", "detail", "error"}) {
          if (!j.contains(key)) continue;
          const nlohmann::json& v = j[key];
          if (v.is_string()) message = v.get<std::string>();
          else if (v.is_object() && v.contains("message") && v["message"].is_string()) message = v["message"].get<std::string>();
          else message = v.dump();
          break;
        }
      }
    }
  } catch (const nlohmann::json::exception&) {
    message = body;
  }
  if (message.size() > 300) message = message.substr(0, 300) + "...";
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

Error error_for_status(long status, const std::string& body, const std::string& context,
                       const std::string& key_hint) {
  const std::string detail = provider_error_message(body);
  const std::string what = context + " returned HTTP " + std::to_string(status) + (detail.empty() ? "" : ": " + detail);
  switch (status) {
    case 401:
    case 403:
      return Error(ErrorCode::Unauthorized, what + " (check " + key_hint + ")");
    case 402:
      return Error(ErrorCode::Unauthorized, what + " (payment required: check the account's billing)");
    case 400:
    case 413:
    case 422:
      return Error(ErrorCode::InvalidInput, what);
    case 404:
      return Error(ErrorCode::NotFound, what + " (check the model name and the endpoint URL)");
    case 408:
      return Error(ErrorCode::Timeout, what);
    case 429:
    case 503:
      return Error(ErrorCode::Overloaded, what);
    default:
      return Error(ErrorCode::Network, what);
  }
}

}  // namespace rerank::api
