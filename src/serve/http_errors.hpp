// The one place where errors become HTTP statuses and vendor-shaped error bodies.
#pragma once

#include <string>

#include "rerank/error.hpp"
#include "serve/rerank_call.hpp"

namespace rerank::serve {

// Where in handling a request an error happened; the same code can mean different statuses
// (bad JSON is 400, a document over the limit found while scoring is 422).
enum class Phase { Parse, Validate, Score };

struct HttpError {
  int status = 500;
  std::string message;
  std::string type;  // TEI's error_type: validation, overloaded, unhealthy, backend, ...
};

HttpError to_http_error(const Error& error, Phase phase);
// For statuses the HTTP front end or the router decide (no route, wrong method, body too
// large, headers too slow, bad request line); `message` replaces the default text.
HttpError http_error_for_status(int status, const std::string& message = {});

// {"message"} (Cohere v2), {"message","detail"} (Jina / Cohere v1), {"error","error_type"}
// (TEI), {"detail","message"} (Mixedbread), all of them (Generic).
std::string error_body(Dialect dialect, const HttpError& error);

}  // namespace rerank::serve
