// Routes by exact path, then by method: a known path with another method is 405 with the
// path's `Allow` list; OPTIONS on a known path answers that list (and CORS preflight, see
// cors.hpp); HEAD runs the GET handler without sending the body.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "serve/http/http_server.hpp"

namespace rerank::serve {

class Router {
 public:
  using Handler = std::function<http::HttpResponse(const http::HttpRequest&, const http::ClientConnection&)>;

  void add(const std::string& method, const std::string& path, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: see status
    int status = 0;                    // 404 (no such path), 405 (path without this method), 204 (OPTIONS)
    std::string allow;                 // the path's methods, for `Allow`
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string path;
    std::vector<std::pair<std::string, Handler>> methods;
  };
  std::vector<Route> routes_;
};

}  // namespace rerank::serve
