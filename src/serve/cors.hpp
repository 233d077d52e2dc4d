// Cross-origin (browser) access. Off by default: no response carries Access-Control-*
// headers, so browsers keep pages of other origins from reading answers. `--cors-origin`
// lists the origins allowed (or "*" for any); their requests and preflights get the headers.
#pragma once

#include <string>
#include <vector>

#include "serve/http/http_message.hpp"

namespace rerank::serve {

class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}

  // Adds the CORS headers to `res` when the request's Origin is allowed; for a preflight
  // (OPTIONS with Access-Control-Request-Method) also the methods in `allow` and the
  // request headers clients send (Authorization, Content-Type).
  void apply(const http::HttpRequest& req, const std::string& allow, http::HttpResponse& res) const;

 private:
  bool allows(const std::string& origin) const;
  std::vector<std::string> origins_;
};

}  // namespace rerank::serve
