#include "io/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include <curl/curl.h>

namespace fs = std::filesystem;

namespace rerank::io {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Signed CDN URLs carry long query strings, and a URL may carry user:password@; messages show
// the URL without either.
std::string url_for_message(const std::string& url) {
  std::string out = url;
  if (const std::size_t scheme = out.find("://"); scheme != std::string::npos) {
    const std::size_t host_end = out.find_first_of("/?#", scheme + 3);
    const std::size_t at = out.rfind('@', host_end == std::string::npos ? out.size() : host_end);
    if (at != std::string::npos && at > scheme) out.erase(scheme + 3, at - scheme - 2);
  }
  const std::size_t q = out.find('?');
  return q == std::string::npos ? out : out.substr(0, q) + "?...";
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

// One handle per thread keeps its connection cache (keep-alive to the Hub or a provider)
// between calls; curl_easy_reset clears the options but keeps the connections.
CURL* thread_handle() {
  thread_local std::unique_ptr<CURL, CurlDeleter> handle;
  if (!handle) {
    global_init();
    handle.reset(curl_easy_init());
    if (!handle) throw Error(ErrorCode::Internal, "curl_easy_init failed");
  }
  curl_easy_reset(handle.get());
  return handle.get();
}

struct Transfer {
  HttpResponse* response = nullptr;
  CURL* curl = nullptr;
  std::size_t max_body = 0;
  // Streaming into a file (http_download) when `file` is set.
  const fs::path* file = nullptr;
  std::uint64_t offset = 0;
  std::FILE* out = nullptr;
  bool decided = false;  // whether the first body byte chose file or memory
  bool to_file = false;
  std::string failure;   // why a callback stopped the transfer
  const std::function<void(std::uint64_t)>* on_bytes = nullptr;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();  // a new response (after a followed redirect or a 100)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->response->headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * count;
}

bool open_output(Transfer* t) {
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  t->decided = true;
  t->to_file = t->file && (status == 200 || status == 206);
  if (!t->to_file) return true;
  if (status == 206) {
    // The server must continue exactly where the partial file ends.
    const auto range = t->response->header("Content-Range");
    const std::string expected = "bytes " + std::to_string(t->offset) + "-";
    if (t->offset == 0 || !range || range->rfind(expected, 0) != 0) {
      t->failure = "the server answered a resume request with Content-Range '" + range.value_or("") +
                   "', expected '" + expected + "...'";
      return false;
    }
  }
  // 200 means the whole body again: start the file over.
  t->out = std::fopen(t->file->c_str(), status == 206 ? "ab" : "wb");
  if (!t->out) {
    t->failure = "cannot write " + t->file->string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (!t->decided && !open_output(t)) return 0;
  if (t->to_file) {
    if (std::fwrite(data, 1, n, t->out) != n) {
      t->failure = "cannot write " + t->file->string() + ": " + std::strerror(errno);
      return 0;
    }
    t->response->bytes_written += n;
    if (t->on_bytes && *t->on_bytes) (*t->on_bytes)(t->response->bytes_written);
    return n;
  }
  const std::size_t room = t->max_body > t->response->body.size() ? t->max_body - t->response->body.size() : 0;
  t->response->body.append(data, std::min(n, room));
  return n;
}

HttpResponse perform(const HttpRequest& request, Transfer& t) {
  HttpResponse response;
  CURL* c = thread_handle();
  t.response = &response;
  t.curl = c;

  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
  const auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (!next) throw Error(ErrorCode::Internal, "curl_slist_append failed");
    (void)headers.release();
    headers.reset(next);
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  // Files: their real Content-Length, never a compressed one.
  if (!request.accept_compressed) add_header("Accept-Encoding: identity");
  if (request.method == HttpMethod::Post) add_header("Expect:");  // no 100-continue round trip

  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "rerank/0.1");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeouts.connect.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeouts.total.count()));
  if (request.timeouts.stall.count() > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>((request.timeouts.stall.count() + 999) / 1000)));
  }
  if (request.accept_compressed) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (request.method == HttpMethod::Head) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (request.method == HttpMethod::Post) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  const std::string range = std::to_string(t.offset) + "-";
  if (t.file && t.offset > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());

  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  if (t.out) {
    const bool flushed = std::fflush(t.out) == 0;
    std::fclose(t.out);
    t.out = nullptr;
    if (!flushed && t.failure.empty()) t.failure = "cannot write " + t.file->string() + ": " + std::strerror(errno);
  }
  const std::string where = url_for_message(request.url);
  if (!t.failure.empty()) {
    // Our own callback stopped the transfer: a disk problem or a broken resume.
    if (t.failure.rfind("cannot write", 0) == 0) throw Error(ErrorCode::InvalidArgument, t.failure);
    throw TransportError(t.failure + " (" + where + ")");
  }
  if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
    throw Error(ErrorCode::InvalidArgument, "bad URL '" + where + "': " + curl_easy_strerror(rc));
  }
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] ? std::string(error_buffer) : std::string(curl_easy_strerror(rc));
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      throw TransportError("request to " + where + " timed out (" + detail + ")", ErrorCode::Timeout);
    }
    throw TransportError("request to " + where + " failed: " + detail);
  }
  // A 200/206 with an empty body never reached the write callback: still create the file.
  if (t.file && !t.decided && (response.status == 200 || response.status == 206)) {
    if (!open_output(&t)) throw TransportError(t.failure + " (" + where + ")");
    if (t.out) std::fclose(t.out);
    t.out = nullptr;
  }
  return response;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (lower(key) == wanted) return value;
  }
  return std::nullopt;
}

HttpResponse http_fetch(const HttpRequest& request, std::size_t max_body) {
  Transfer t;
  t.max_body = max_body;
  return perform(request, t);
}

HttpResponse http_download(const HttpRequest& request, const fs::path& file, std::uint64_t offset,
                           const std::function<void(std::uint64_t)>& on_bytes) {
  Transfer t;
  t.max_body = 64 * 1024;
  t.file = &file;
  t.offset = offset;
  t.on_bytes = &on_bytes;
  return perform(request, t);
}

std::string url_origin(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  const std::size_t host_end = url.find_first_of("/?#", scheme_end + 3);
  std::string origin = lower(url.substr(0, host_end));
  if (const std::size_t at = origin.rfind('@'); at != std::string::npos && at > scheme_end) {
    origin.erase(scheme_end + 3, at - scheme_end - 2);  // user:password@
  }
  // An explicit default port is the same origin as none.
  for (const char* suffix : {":443", ":80"}) {
    const std::string s(suffix);
    const bool default_port = (s == ":443" && origin.rfind("https://", 0) == 0) ||
                              (s == ":80" && origin.rfind("http://", 0) == 0);
    if (default_port && origin.size() > s.size() && origin.compare(origin.size() - s.size(), s.size(), s) == 0) {
      origin.resize(origin.size() - s.size());
    }
  }
  return origin;
}

std::string url_encode(std::string_view text, bool keep_slash) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

}  // namespace rerank::io
