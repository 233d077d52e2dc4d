#include "serve/cors.hpp"

namespace rerank::serve {

bool CorsPolicy::allows(const std::string& origin) const {
  for (const std::string& o : origins_) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

void CorsPolicy::apply(const http::HttpRequest& req, const std::string& allow, http::HttpResponse& res) const {
  const std::string origin(req.header("origin"));
  if (origin.empty() || !allows(origin)) return;
  res.set_header("Access-Control-Allow-Origin", origin);
  res.set_header("Vary", "Origin");
  res.set_header("Access-Control-Expose-Headers", "Retry-After, WWW-Authenticate");
  if (req.method == "OPTIONS" && req.has_header("access-control-request-method")) {
    res.set_header("Access-Control-Allow-Methods", allow);
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.set_header("Access-Control-Max-Age", "600");
  }
}

}  // namespace rerank::serve
