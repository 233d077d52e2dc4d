// A fake Hugging Face Hub for tests, on 127.0.0.1 only: a minimal HTTP/1.1 server (one
// connection per request, "Connection: close") and, on top of it, the Hub's resolve URL
// layout with its headers, an LFS "CDN" on a second port behind 302 redirects, and fault
// injection (dropped connections, corrupted bodies, 5xx, stalls, auth failures).
// Header-only so that only the tests that need it compile it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "io/sha256.hpp"
#include "support/git_blob.hpp"

namespace rerank::testing {

struct FakeRequest {
  std::string method;
  std::string target;                         // path and query, as sent
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::size_t> drop_after;  // send only this many body bytes, then close
  int delay_ms = 0;                       // wait this long before answering
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listen_fd_, 64) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("bind/listen on 127.0.0.1 failed");
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~FakeHttpServer() { stop(); }
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Closes the listening socket (later connections are refused) and waits for the
  // connections in flight.
  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    if (accept_thread_.joinable()) accept_thread_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
  }

  std::vector<FakeRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void accept_loop() {
    while (!stopped_) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stopped_) return;
        continue;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  static bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
      const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  void serve(int fd) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string raw;
    char buf[4096];
    while (raw.find("\r\n\r\n") == std::string::npos && raw.size() < 65536) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      raw.append(buf, static_cast<std::size_t>(n));
    }
    FakeRequest req;
    std::istringstream lines(raw.substr(0, raw.find("\r\n\r\n")));
    std::string line;
    if (std::getline(lines, line)) {
      std::istringstream first(line);
      first >> req.method >> req.target;
    }
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      req.headers[name] = value;
    }
    if (req.method.empty()) {
      ::close(fd);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(req);
    }
    FakeResponse res = handler_(req);
    for (int waited = 0; waited < res.delay_ms && !stopped_; waited += 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::ostringstream head;
    head << "HTTP/1.1 " << res.status << " Fake\r\n";
    bool has_length = false;
    for (const auto& [k, v] : res.headers) {
      head << k << ": " << v << "\r\n";
      if (k == "Content-Length") has_length = true;
    }
    if (!has_length) head << "Content-Length: " << res.body.size() << "\r\n";
    head << "Connection: close\r\n\r\n";
    const std::string h = head.str();
    if (send_all(fd, h.data(), h.size()) && req.method != "HEAD") {
      const std::size_t n = std::min(res.drop_after.value_or(res.body.size()), res.body.size());
      send_all(fd, res.body.data(), n);
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread accept_thread_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<FakeRequest> requests_;
};

struct FakeRepo {
  std::string commit;                         // 40 hex
  std::map<std::string, std::string> files;   // path -> content
  std::set<std::string> branches = {"main"};  // also resolvable by `commit`
  bool private_repo = false;                  // needs "Authorization: Bearer <FakeHub::token>"
  bool gated = false;                         // 403 GatedRepo
};

// The Hub layout: GET/HEAD /{org}/{name}/resolve/{revision}/{file}. *.safetensors and
// *.bin are LFS files: 302 to the CDN with X-Linked-Etag (sha256) and X-Linked-Size, like
// huggingface.co; other files answer 200 with their ETag. Faults apply to CDN GETs.
class FakeHub {
 public:
  FakeHub()
      : cdn_([this](const FakeRequest& r) { return cdn(r); }), hub_([this](const FakeRequest& r) { return hub(r); }) {}

  std::string endpoint() const { return hub_.url(); }
  FakeHttpServer& hub_server() { return hub_; }
  FakeHttpServer& cdn_server() { return cdn_; }
  void stop() {
    hub_.stop();
    cdn_.stop();
  }

  void add_repo(const std::string& name, FakeRepo repo) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [path, content] : repo.files) {
      if (is_lfs(path)) blobs_[io::sha256_hex(content)] = content;
    }
    repos_[name] = std::move(repo);
  }

  // A repo with the checkpoint files of a folder (cases.json and other extras left out).
  static FakeRepo repo_from_folder(const std::filesystem::path& folder, const std::string& commit) {
    FakeRepo repo;
    repo.commit = commit;
    for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                          "model.safetensors", "model.safetensors.index.json"}) {
      std::ifstream in(folder / f, std::ios::binary);
      if (!in) continue;
      std::stringstream ss;
      ss << in.rdbuf();
      repo.files[f] = ss.str();
    }
    return repo;
  }

  // Renamed repos: the Hub answers 307 with a relative Location to the new name.
  void add_rename(const std::string& old_name, const std::string& new_name) {
    std::lock_guard<std::mutex> lock(mutex_);
    renames_[old_name] = new_name;
  }

  // Faults (CDN GETs unless said otherwise).
  std::atomic<int> drop_gets{0};             // the next N GETs send only drop_after_bytes of the body
  std::atomic<std::size_t> drop_after_bytes{100000};
  std::atomic<bool> corrupt{false};          // flip one byte of every body
  std::atomic<int> fail_gets_503{0};         // the next N GETs answer 503
  std::atomic<int> delay_ms{0};              // every GET waits this long before answering
  std::atomic<int> hub_force_status{0};      // hub: answer every request with this status (401, 500...)
  std::string token = "hf_fake_secret_token";

  std::size_t cdn_gets() const { return count(cdn_, "GET"); }
  std::size_t hub_requests() const { return hub_.requests().size(); }
  std::size_t total_requests() const { return hub_.requests().size() + cdn_.requests().size(); }

 private:
  static bool is_lfs(const std::string& path) {
    auto ends = [&](const std::string& s) {
      return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
    };
    return ends(".safetensors") || ends(".bin");
  }

  static std::size_t count(const FakeHttpServer& s, const std::string& method) {
    std::size_t n = 0;
    for (const auto& r : s.requests()) n += r.method == method;
    return n;
  }

  static std::string decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }

  static FakeResponse error(int status, const std::string& code, const std::string& message,
                            const std::string& commit = "") {
    FakeResponse r;
    r.status = status;
    if (!code.empty()) r.headers.emplace_back("X-Error-Code", code);
    r.headers.emplace_back("X-Error-Message", message);
    if (!commit.empty()) r.headers.emplace_back("X-Repo-Commit", commit);
    r.body = message;
    return r;
  }

  FakeResponse hub(const FakeRequest& req) {
    if (int forced = hub_force_status.load()) return error(forced, "", "forced failure");
    // /{org}/{name}/resolve/{revision}/{file...}
    std::vector<std::string> parts;
    std::string target = req.target.substr(0, req.target.find('?'));
    for (std::size_t start = 1; start <= target.size();) {
      const std::size_t end = std::min(target.find('/', start), target.size());
      parts.push_back(target.substr(start, end - start));
      start = end + 1;
    }
    if (parts.size() < 5 || parts[2] != "resolve") return error(404, "", "not a resolve URL");
    const std::string name = parts[0] + "/" + parts[1];
    const std::string revision = decode(parts[3]);
    std::string file;
    for (std::size_t i = 4; i < parts.size(); ++i) file += (file.empty() ? "" : "/") + decode(parts[i]);

    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = renames_.find(name); it != renames_.end()) {
      FakeResponse r;
      r.status = 307;
      r.headers.emplace_back("Location", "/" + it->second + "/resolve/" + parts[3] + "/" +
                                             target.substr(target.find("/resolve/") + 9 + parts[3].size() + 1));
      return r;
    }
    const std::string auth = req.header("authorization");
    auto it = repos_.find(name);
    if (it == repos_.end() || (it->second.private_repo && auth.empty())) {
      // The Hub hides whether a repo exists from anonymous callers: 401 + RepoNotFound.
      return error(auth.empty() ? 401 : 404, "RepoNotFound", "Repository Not Found");
    }
    const FakeRepo& repo = it->second;
    if (repo.private_repo && auth != "Bearer " + token) {
      return error(401, "", "Invalid credentials in Authorization header");
    }
    if (repo.gated) return error(403, "GatedRepo", "Access to model " + name + " is restricted");
    if (revision != repo.commit && !repo.branches.count(revision)) {
      return error(404, "RevisionNotFound", "Invalid rev id: " + revision);
    }
    auto f = repo.files.find(file);
    if (f == repo.files.end()) return error(404, "EntryNotFound", "Entry not found", repo.commit);
    FakeResponse r;
    r.headers.emplace_back("X-Repo-Commit", repo.commit);
    const std::string sha = io::sha256_hex(f->second);
    if (is_lfs(file)) {
      r.status = 302;
      // The pointer file's git blob id as ETag, the content's sha256 as X-Linked-Etag.
      r.headers.emplace_back("ETag", "\"" + git_blob_sha1(git_lfs_pointer(sha, f->second.size())) + "\"");
      r.headers.emplace_back("X-Linked-Etag", "\"" + sha + "\"");
      r.headers.emplace_back("X-Linked-Size", std::to_string(f->second.size()));
      r.headers.emplace_back("Location", cdn_.url() + "/repos/" + sha + "?X-Amz-Signature=abc&Expires=1");
      r.body = "Found. Redirecting";
    } else {
      // Small files: their git blob id, which huggingface_hub names the blob by.
      r.headers.emplace_back("ETag", "\"" + git_blob_sha1(f->second) + "\"");
      r.body = f->second;
    }
    return r;
  }

  FakeResponse cdn(const FakeRequest& req) {
    const std::string target = req.target.substr(0, req.target.find('?'));
    const std::string sha = target.substr(target.rfind('/') + 1);
    std::string content;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = blobs_.find(sha);
      if (it == blobs_.end()) return error(404, "", "no such object");
      content = it->second;
    }
    FakeResponse r;
    if (req.method == "GET") {
      r.delay_ms = delay_ms.load();
      if (fail_gets_503.load() > 0) {
        --fail_gets_503;
        return error(503, "", "try later");
      }
    }
    std::size_t start = 0;
    const std::string range = req.header("range");
    if (range.rfind("bytes=", 0) == 0) {
      start = std::stoull(range.substr(6));
      if (start >= content.size()) return error(416, "", "range not satisfiable");
      r.status = 206;
      r.headers.emplace_back("Content-Range", "bytes " + std::to_string(start) + "-" +
                                                  std::to_string(content.size() - 1) + "/" +
                                                  std::to_string(content.size()));
    }
    r.body = content.substr(start);
    if (corrupt && !r.body.empty()) r.body[r.body.size() / 2] ^= 0x5a;
    if (req.method == "GET" && drop_gets.load() > 0) {
      --drop_gets;
      r.drop_after = drop_after_bytes.load();
    }
    r.headers.emplace_back("ETag", "\"" + sha + "\"");
    return r;
  }

  mutable std::mutex mutex_;
  std::map<std::string, FakeRepo> repos_;
  std::map<std::string, std::string> renames_;
  std::map<std::string, std::string> blobs_;  // sha256 -> content
  FakeHttpServer cdn_;
  FakeHttpServer hub_;
};

}  // namespace rerank::testing
