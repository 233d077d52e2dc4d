#include "rankers/api/status_error.hpp"

#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"

namespace rerank::api {

namespace {

// Error bodies are at most a few objects deep. A deeper one (an upstream or proxy answering
// with 100,000 nested arrays) is quoted as text: dumping it would recurse once per level.
constexpr std::size_t kMaxErrorBodyDepth = 16;

}  // namespace

std::string provider_error_message(const std::string& body) {
  std::string message;
  try {
    const nlohmann::json j = parse_json(body, "error body", {kMaxErrorBodyDepth, ErrorCode::Network, ""});
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
  } catch (const Error&) {  // not JSON, or nested too deep to touch: quoted as text
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
