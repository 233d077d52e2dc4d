// A small libcurl wrapper for the Hub client: one request at a time, headers of the final
// response, bodies streamed into a file (with resume through a Range request) or kept in
// memory when small. Transport failures become rerank::Error; HTTP statuses are returned
// for the caller to interpret, because only it knows what a 404 means.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rerank/error.hpp"

namespace rerank::io {

struct HttpTimeouts {
  long connect_s = 10;  // TCP + TLS handshake
  long total_s = 0;     // whole request; 0 = no limit (large downloads)
  long stall_s = 30;    // abort when less than 1 byte/s arrives for this long; 0 = never
};

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  bool head = false;                 // HEAD instead of GET
  bool follow_redirects = false;     // curl follows 3xx itself (it drops credentials across hosts)
  HttpTimeouts timeouts;
};

struct HttpResponse {
  long status = 0;
  // Headers of the last response received (after any redirect curl followed), in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // error bodies and small GETs (capped); empty for streamed downloads
  std::uint64_t bytes_written = 0;  // streamed downloads: body bytes appended to the file

  // Case-insensitive header lookup.
  std::optional<std::string> header(std::string_view name) const;
};

// A transport failure that may succeed when tried again (connection refused or dropped,
// DNS, TLS, timeouts) or an HTTP status that says the same (5xx, 429).
class RetryableError : public Error {
 public:
  explicit RetryableError(const std::string& message) : Error(ErrorCode::Network, message) {}
};

// Performs the request and returns the response whatever its status; the body is kept up
// to `max_body` bytes. Throws RetryableError when no complete response arrived.
HttpResponse http_fetch(const HttpRequest& request, std::size_t max_body = 1 << 20);

// GETs `request.url` into `file`. With `offset` > 0 it asks for "Range: bytes=offset-" and
// appends; when the server ignores the range (200) the file is truncated and rewritten.
// Only a 200/206 body goes to the file; other statuses come back with their body in memory.
// Bytes received before a dropped connection stay in the file so a retry can resume.
// `on_bytes` (optional) sees the running count of body bytes written by this call.
HttpResponse http_download(const HttpRequest& request, const std::filesystem::path& file,
                           std::uint64_t offset, const std::function<void(std::uint64_t)>& on_bytes = {});

// "scheme://host[:port]" of a URL, lower-cased, for same-origin checks.
std::string url_origin(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters (and '/' when keep_slash).
std::string url_encode(std::string_view text, bool keep_slash);

}  // namespace rerank::io
