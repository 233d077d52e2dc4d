#include "serve/http_errors.hpp"

#include <nlohmann/json.hpp>

namespace rerank::serve {

namespace {
std::string type_for_status(int status) {
  switch (status) {
    case 400:
    case 405:
    case 408:
    case 413:
    case 415:
    case 422:
    case 431: return "validation";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 429: return "overloaded";
    case 503: return "unhealthy";
    default: return "backend";
  }
}
}  // namespace

HttpError to_http_error(const Error& error, Phase phase) {
  int status = 500;
  switch (error.code()) {
    case ErrorCode::InvalidArgument: status = phase == Phase::Validate ? 422 : 400; break;
    case ErrorCode::InvalidInput: status = phase == Phase::Parse ? 400 : 422; break;
    case ErrorCode::NotSupported: status = 400; break;
    case ErrorCode::NotFound: status = 404; break;
    case ErrorCode::Unauthorized: status = 401; break;
    case ErrorCode::Overloaded: status = 429; break;
    case ErrorCode::Timeout: status = 503; break;
    case ErrorCode::Network: status = 502; break;
    case ErrorCode::ModelFormat:
    case ErrorCode::Backend:
    case ErrorCode::Internal: status = 500; break;
  }
  return {status, error.what(), type_for_status(status)};
}

HttpError http_error_for_status(int status, const std::string& message) {
  std::string text = message;
  if (text.empty()) {
    switch (status) {
      case 400: text = "bad request: the HTTP request could not be parsed"; break;
      case 404: text = "no such route; see docs/server.md for the endpoints"; break;
      case 405: text = "method not allowed on this route (see the Allow header)"; break;
      case 408: text = "the request did not arrive in time"; break;
      case 413: text = "the request body is larger than the server's --max-request-bytes"; break;
      case 431: text = "the request headers are too large"; break;
      case 503: text = "the server is shutting down or full; retry"; break;
      default: text = "HTTP error " + std::to_string(status); break;
    }
  }
  return {status, text, type_for_status(status)};
}

std::string error_body(Dialect dialect, const HttpError& error) {
  nlohmann::json body = nlohmann::json::object();
  switch (dialect) {
    case Dialect::CohereV2: body["message"] = error.message; break;
    case Dialect::CohereV1:
    case Dialect::Mixedbread:
      body["message"] = error.message;
      body["detail"] = error.message;
      break;
    case Dialect::Tei:
      body["error"] = error.message;
      body["error_type"] = error.type;
      break;
    case Dialect::Generic:
      body["message"] = error.message;
      body["detail"] = error.message;
      body["error"] = error.message;
      body["error_type"] = error.type;
      break;
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace rerank::serve
