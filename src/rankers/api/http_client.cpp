#include "rankers/api/http_client.hpp"

#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <mutex>

#include "rerank/error.hpp"

namespace rerank::api {

namespace {

void global_init_once() {
  static std::once_flag flag;
  std::call_once(flag, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

// One handle per thread keeps its connection cache (keep-alive to the provider) between
// calls; curl_easy_reset clears the options but keeps the connections.
CURL* thread_handle() {
  thread_local std::unique_ptr<CURL, CurlDeleter> handle;
  if (!handle) {
    global_init_once();
    handle.reset(curl_easy_init());
    if (!handle) throw Error(ErrorCode::Internal, "curl_easy_init failed");
  }
  curl_easy_reset(handle.get());
  return handle.get();
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  const size_t n = size * count;
  std::string line(data, n);
  const auto colon = line.find(':');
  if (colon == std::string::npos) return n;
  std::string name = line.substr(0, colon);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string value = line.substr(colon + 1);
  const auto first = value.find_first_not_of(" \t");
  const auto last = value.find_last_not_of(" \t\r\n");
  value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  return n;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::string url_origin(const std::string& url) {
  auto scheme_end = url.find("://");
  std::string::size_type host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  auto path_start = url.find('/', host_start);
  std::string host = url.substr(host_start, path_start == std::string::npos ? std::string::npos
                                                                             : path_start - host_start);
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);  // user:pass@
  return (scheme_end == std::string::npos ? std::string() : url.substr(0, scheme_end + 3)) + host;
}

HttpResponse http_post(const HttpRequest& request) {
  CURL* curl = thread_handle();
  HttpResponse response;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (!next) throw Error(ErrorCode::Internal, "curl_slist_append failed");
    (void)headers.release();
    headers.reset(next);
  };
  add_header("Content-Type: application/json");
  add_header("Accept: application/json");
  add_header("Expect:");  // no 100-continue round trip for large bodies
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "rerank/0.1");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // required for timeouts in threaded programs
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate when the server offers it
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");

  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    const std::string where = url_origin(request.url);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      throw TransportError(ErrorCode::Timeout, "request to " + where + " timed out (" + curl_easy_strerror(rc) + ")");
    }
    throw TransportError(ErrorCode::Network, "request to " + where + " failed: " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace rerank::api
