// The HTTP/1.1 request and response the server's own front end (http_server.hpp) hands to
// and takes from the handlers. Plain values: no sockets, no library types.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rerank::serve::http {

struct HttpRequest {
  std::string method;  // as sent (methods are case-sensitive)
  std::string target;  // the request target as sent
  std::string path;    // target without the query (absolute-form targets reduced to their path)
  std::string query;   // after '?', undecoded
  int minor_version = 1;                                     // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;                                          // decoded (de-chunked)
  std::string remote_addr;

  // The first header named `lower_name` (lower case), or "" when absent.
  std::string_view header(std::string_view lower_name) const;
  bool has_header(std::string_view lower_name) const;
  // HTTP/1.1 keeps the connection unless "Connection: close"; 1.0 only with "keep-alive".
  bool wants_keep_alive() const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Length and Connection
  std::string body;
  bool close = false;  // close the connection after this response
  bool drop = false;   // write nothing and close (the client is known to be gone)

  void set_header(std::string name, std::string value);
  void set_content(std::string content, std::string content_type);
};

// The bytes of `response`; without the body for HEAD requests (`head`).
std::string serialize(const HttpResponse& response, bool keep_alive, bool head);

const char* reason_phrase(int status);

}  // namespace rerank::serve::http
