#include "serve/router.hpp"

namespace rerank::serve {

void Router::add(const std::string& method, const std::string& path, Handler handler) {
  for (Route& r : routes_) {
    if (r.path == path) {
      r.methods.emplace_back(method, std::move(handler));
      return;
    }
  }
  routes_.push_back({path, {{method, std::move(handler)}}});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  for (const Route& r : routes_) {
    if (r.path != path) continue;
    Match m;
    bool has_get = false;
    for (const auto& [name, handler] : r.methods) {
      m.allow += (m.allow.empty() ? "" : ", ") + name;
      has_get = has_get || name == "GET";
      if (name == method || (method == "HEAD" && name == "GET")) m.handler = &handler;
    }
    if (has_get) m.allow += ", HEAD";
    m.allow += ", OPTIONS";
    if (m.handler == nullptr) m.status = method == "OPTIONS" ? 204 : 405;
    return m;
  }
  return {nullptr, 404, {}};
}

}  // namespace rerank::serve
