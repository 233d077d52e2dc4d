// Header-only (tests/CMakeLists.txt builds each *_test.cpp into the layer binary).
// An in-process `rerank serve` on 127.0.0.1 (ephemeral port) for the integration tests, fake
// rankers with known scores, and a bounded loopback load generator.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <sstream>

#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "serve/server.hpp"

namespace rerank::serve::testing {

// Logit ranker: the raw score of a document is (number of query words it contains) - 1.
// With truncate=false a document over 40 bytes is an InvalidInput error (what a model does
// with an input over its maximum length). `delay` is slept once per score_many call, and
// `gate` (when set) holds every call until it is opened.
class WordCountRanker final : public Ranker {
 public:
  explicit WordCountRanker(std::chrono::milliseconds delay = std::chrono::milliseconds(0),
                           ScoreKind kind = ScoreKind::Logit);
  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view query, std::span<const Document> documents,
                         const ScoreOptions& options = {}) const override;
  std::vector<Scores> score_many(std::span<const std::string> queries,
                                 std::span<const std::vector<Document>> documents_per_query,
                                 const ScoreOptions& options = {}) const override;
  std::atomic<bool> gate_closed{false};
  mutable std::atomic<int> calls{0};
  mutable std::atomic<int> scored_requests{0};

 private:
  RankerInfo info_;
  std::chrono::milliseconds delay_;
};

struct ServerHandle {
  std::unique_ptr<Server> server;
  std::thread thread;
  int port = 0;
  ~ServerHandle();
  httplib::Client client() const;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

struct TestModel {
  std::string name;
  std::shared_ptr<const Ranker> ranker;
};

// Starts a server on 127.0.0.1:0 and waits until it answers /health.
std::unique_ptr<ServerHandle> start_server(std::vector<TestModel> models, ServerOptions options = {},
                                           runtime::BatchSchedulerOptions scheduling = {});

nlohmann::json parse(const std::string& body);

// Sends POST requests from `connections` keep-alive connections for `duration` (bounded; at
// most `max_requests` in all), loopback only.
struct LoadReport {
  std::size_t ok = 0;
  std::size_t rejected = 0;       // 429
  std::size_t rejected_with_retry_after = 0;
  std::size_t other = 0;          // any other status or a transport error
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double throughput() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
  std::string summary(const std::string& name) const;
};
LoadReport run_load(int port, const std::string& path, int connections, std::chrono::milliseconds duration,
                    std::size_t max_requests, bool short_documents = false);

// A request body with a query and 8-32 documents, different for each `seed`; documents of
// 8-47 words, or 4-11 with `short_documents` (for CPU cross-encoders).
std::string load_body(std::size_t seed, bool short_documents = false);

// A raw loopback TCP connection, for requests no HTTP client library would send (chunked
// bodies of any shape, trickled bytes, pipelining, garbage).
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return fd_ >= 0; }
  bool send_all(std::string_view bytes);
  // One response: its head and a Content-Length body (else up to EOF). "" when the
  // connection closed or `timeout` passed before a whole response arrived.
  // `has_body` false: the answer to a HEAD request (its Content-Length announces no bytes).
  std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(20), bool has_body = true);
  // True once the server has closed its side (EOF or reset) within `timeout`; any response
  // bytes before that are dropped.
  bool closed_within(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string buffer_;
};

// Parts of a raw response: the status code (0 when there is none), a header value ("" when
// absent; the name is matched case-insensitively) and the body.
int status_of(const std::string& response);
std::string header_of(const std::string& response, const std::string& name);
std::string body_of(const std::string& response);

// `body` as a chunked request body cut into chunks of `chunk` bytes.
std::string chunked(const std::string& body, std::size_t chunk);

// ---- definitions

inline RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

inline RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

inline bool RawConnection::send_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

inline std::string RawConnection::read_response(std::chrono::milliseconds timeout, bool has_body) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::size_t head_end = buffer_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const std::string head = buffer_.substr(0, head_end + 4);
      const std::string length = header_of(head, "Content-Length");
      const std::size_t want = head_end + 4 + (length.empty() || !has_body ? 0 : std::stoul(length));
      const int status = status_of(head);
      if (status == 100) {  // interim: skip it
        buffer_.erase(0, head_end + 4);
        continue;
      }
      if (buffer_.size() >= want) {
        std::string out = buffer_.substr(0, want);
        buffer_.erase(0, want);
        return out;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return {};
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

inline bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
}

inline int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.c_str() + 9);
}

inline std::string header_of(const std::string& response, const std::string& name) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string head = lower(response.substr(0, response.find("\r\n\r\n") + 2));
  const std::string key = "\r\n" + lower(name) + ":";
  const std::size_t at = head.find(key);
  if (at == std::string::npos) return {};
  const std::size_t start = head.find_first_not_of(' ', at + key.size());
  const std::size_t end = head.find("\r\n", start);
  return response.substr(start, end - start);
}

inline std::string body_of(const std::string& response) {
  const std::size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : response.substr(at + 4);
}

inline std::string chunked(const std::string& body, std::size_t chunk) {
  std::string out;
  char size[32];
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    const std::size_t n = std::min(chunk, body.size() - i);
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    out += size;
    out += body.substr(i, n);
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}


inline WordCountRanker::WordCountRanker(std::chrono::milliseconds delay, ScoreKind kind) : delay_(delay) {
  info_.type = "word-count";
  info_.spec = "word-count";
  info_.model = "word-count";
  info_.score_kind = kind;
}

inline Scores WordCountRanker::score_documents(std::string_view query, std::span<const Document> documents,
                                        const ScoreOptions& options) const {
  std::vector<std::string> words;
  std::istringstream in{std::string(query)};
  for (std::string w; in >> w;) words.push_back(w);
  Scores s;
  for (const Document& d : documents) {
    if (!options.truncate && d.text.size() > 40) {
      throw Error(ErrorCode::InvalidInput, "a document is longer than the model's maximum length (40 bytes)");
    }
    double hits = 0;
    for (const std::string& w : words) hits += d.text.find(w) != std::string::npos ? 1 : 0;
    s.values.push_back(hits - 1.0);
  }
  // Its usage in its own tokens (words), as BM25 reports its analyzer's terms.
  std::size_t tokens = words.size() * documents.size();
  for (const Document& d : documents) {
    std::istringstream doc{d.text};
    for (std::string w; doc >> w;) ++tokens;
  }
  s.usage["tokens"] = tokens;
  return s;
}

inline std::vector<Scores> WordCountRanker::score_many(std::span<const std::string> queries,
                                                std::span<const std::vector<Document>> documents_per_query,
                                                const ScoreOptions& options) const {
  ++calls;
  while (gate_closed.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
  scored_requests += static_cast<int>(queries.size());
  return Ranker::score_many(queries, documents_per_query, options);
}

inline ServerHandle::~ServerHandle() {
  if (server) server->shutdown(std::chrono::milliseconds(2000));
  if (thread.joinable()) thread.join();
}

inline httplib::Client ServerHandle::client() const {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  return c;
}

inline std::unique_ptr<ServerHandle> start_server(std::vector<TestModel> models, ServerOptions options,
                                           runtime::BatchSchedulerOptions scheduling) {
  std::vector<ServedModel> served;
  for (auto& m : models) served.push_back({m.name, std::make_shared<runtime::BatchScheduler>(m.ranker, scheduling), {}});
  options.host = "127.0.0.1";
  options.port = 0;
  auto handle = std::make_unique<ServerHandle>();
  handle->server = std::make_unique<Server>(ModelTable(std::move(served)), options);
  handle->port = handle->server->bind();
  Server* server = handle->server.get();
  handle->thread = std::thread([server] { server->run(); });
  httplib::Client c("127.0.0.1", handle->port);
  for (int i = 0; i < 500; ++i) {
    if (auto r = c.Get("/health"); r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return handle;
}

inline nlohmann::json parse(const std::string& body) { return nlohmann::json::parse(body); }

inline std::string load_body(std::size_t seed, bool short_documents) {
  static const char* const words[] = {"search", "rank", "vector", "query", "document", "engine", "latency",
                                      "batch",  "token", "index", "model", "server", "score", "neural"};
  const std::size_t n_words = sizeof words / sizeof words[0];
  std::uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  auto next = [&x] {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  };
  const std::size_t docs = 8 + next() % 25;  // 8..32
  nlohmann::json body;
  body["query"] = std::string(words[next() % n_words]) + " " + words[next() % n_words];
  body["documents"] = nlohmann::json::array();
  for (std::size_t d = 0; d < docs; ++d) {
    std::string text;
    const std::size_t len = short_documents ? 4 + next() % 8 : 8 + next() % 40;
    for (std::size_t w = 0; w < len; ++w) text += std::string(words[next() % n_words]) + " ";
    body["documents"].push_back(text);
  }
  body["top_n"] = 5;
  return body.dump();
}

inline std::string LoadReport::summary(const std::string& name) const {
  std::ostringstream os;
  os << name << ": " << ok << " ok, " << rejected << " x 429, " << other << " other in " << seconds << " s = "
     << throughput() << " req/s, p50 " << p50_ms << " ms, p99 " << p99_ms << " ms";
  return os.str();
}

inline LoadReport run_load(int port, const std::string& path, int connections, std::chrono::milliseconds duration,
                    std::size_t max_requests, bool short_documents) {
  using Clock = std::chrono::steady_clock;
  std::mutex mutex;
  LoadReport report;
  std::vector<double> latencies;
  std::atomic<std::size_t> sent{0};
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + duration;
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_read_timeout(60, 0);
      httplib::Headers headers;
      LoadReport mine;
      std::vector<double> lat;
      std::size_t i = 0;
      while (Clock::now() < end && sent.fetch_add(1) < max_requests) {
        const std::string body = load_body(static_cast<std::size_t>(c) * 100003 + i++, short_documents);
        const Clock::time_point t0 = Clock::now();
        auto res = client.Post(path.c_str(), headers, body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (res && res->status == 200) {
          ++mine.ok;
          lat.push_back(ms);
        } else if (res && res->status == 429) {
          ++mine.rejected;
          if (res->has_header("Retry-After")) ++mine.rejected_with_retry_after;
        } else {
          if (mine.other++ == 0) {
            std::cerr << "[load] unexpected answer: "
                      << (res ? "HTTP " + std::to_string(res->status) + " " + res->body
                              : "transport error " + httplib::to_string(res.error()))
                      << "\n";
          }
        }
      }
      std::lock_guard lock(mutex);
      report.ok += mine.ok;
      report.rejected += mine.rejected;
      report.rejected_with_retry_after += mine.rejected_with_retry_after;
      report.other += mine.other;
      latencies.insert(latencies.end(), lat.begin(), lat.end());
    });
  }
  for (auto& t : threads) t.join();
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    auto at = [&](double q) {
      return latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(q * static_cast<double>(latencies.size())))];
    };
    report.p50_ms = at(0.50);
    report.p99_ms = at(0.99);
  }
  return report;
}

}  // namespace rerank::serve::testing
