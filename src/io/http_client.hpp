// The one HTTP client (libcurl) every part of rerank uses: the Hub client (GET/HEAD, bodies
// streamed into a file with resume through a Range request) and the hosted-API and chat
// clients (POST of JSON). One request at a time per call; each thread keeps its own curl
// handle, so connections to a provider are reused between calls. Transport failures become
// rerank::Error (TransportError); HTTP statuses are returned for the caller to interpret,
// because only it knows what a 404 or a 429 means.
#pragma once

#include <chrono>
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
  std::chrono::milliseconds connect{10000};  // TCP + TLS handshake
  std::chrono::milliseconds total{0};        // whole request; 0 = no limit (large downloads)
  std::chrono::milliseconds stall{30000};    // abort when under 1 byte/s arrives this long (whole seconds); 0 = never
};

enum class HttpMethod { Get, Head, Post };

struct HttpRequest {
  std::string url;
  HttpMethod method = HttpMethod::Get;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value (may hold secrets)
  std::string body;                   // POST: sent as is (Content-Type is the caller's header)
  bool follow_redirects = false;      // curl follows 3xx itself (it drops credentials across hosts)
  bool accept_compressed = false;     // gzip/deflate responses (not for files: their length must be real)
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

// A failure that may succeed when tried again: a transport failure, or an HTTP status that
// says so (the Hub client throws it for 5xx and 429).
class RetryableError : public Error {
 public:
  explicit RetryableError(const std::string& message, ErrorCode code = ErrorCode::Network) : Error(code, message) {}
};

// No complete HTTP response arrived: code Timeout when a timeout passed, else Network
// (refused, reset, DNS, TLS, a connection closed mid-response). Messages name the URL without
// its query or credentials, never header values.
class TransportError : public RetryableError {
 public:
  using RetryableError::RetryableError;
};

// Performs the request and returns the response whatever its status; the body is kept up
// to `max_body` bytes. Throws TransportError when no complete response arrived.
HttpResponse http_fetch(const HttpRequest& request, std::size_t max_body = 1 << 20);

// GETs `request.url` into `file`. With `offset` > 0 it asks for "Range: bytes=offset-" and
// appends; when the server ignores the range (200) the file is truncated and rewritten.
// Only a 200/206 body goes to the file; other statuses come back with their body in memory.
// Bytes received before a dropped connection stay in the file so a retry can resume.
// `on_bytes` (optional) sees the running count of body bytes written by this call.
HttpResponse http_download(const HttpRequest& request, const std::filesystem::path& file,
                           std::uint64_t offset, const std::function<void(std::uint64_t)>& on_bytes = {});

// "scheme://host[:port]" of a URL, lower-cased and without credentials, for same-origin
// checks and error messages.
std::string url_origin(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters (and '/' when keep_slash).
std::string url_encode(std::string_view text, bool keep_slash);

}  // namespace rerank::io
