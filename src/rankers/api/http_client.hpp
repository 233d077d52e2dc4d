// A small blocking HTTP client over libcurl for the hosted-API rankers: one POST with
// connect and total timeouts, the status, the body and the headers that matter
// (Retry-After). Transport failures are thrown as rerank::Error (Network or Timeout);
// HTTP error statuses are returned, not thrown: the retry policy decides about them.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rerank/error.hpp"

namespace rerank::api {

// A transport failure (no HTTP response): code Network or Timeout. Retryable.
class TransportError : public Error {
 public:
  using Error::Error;
};

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value (may hold secrets)
  std::string body;                                          // JSON
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{60000};
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; the last value wins
};

// Sends `request` as a POST. Thread-safe: each thread reuses its own connection cache.
// Throws TransportError(Timeout) when a timeout passes and TransportError(Network) for every other transport
// failure (refused, reset, DNS, TLS, a connection closed mid-response). Messages name the
// host, never header values.
HttpResponse http_post(const HttpRequest& request);

// "scheme://host:port" of a URL, for error messages (drops path, query and credentials).
std::string url_origin(const std::string& url);

}  // namespace rerank::api
