#include "serve/http/http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "rerank/error.hpp"

namespace rerank::serve::http {

namespace {

using Clock = std::chrono::steady_clock;

// After a response that ends the connection, the rest of an unread body is read and dropped
// for this long, so closing with unread bytes does not reset the connection (RST) and
// destroy the response before the client has read it.
constexpr std::chrono::milliseconds kLinger{3000};
constexpr std::chrono::milliseconds kTick{50};

std::string peer_text(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, host, sizeof host);
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, host, sizeof host);
  }
  return host;
}

// Writes what the socket takes now; returns bytes written (negative: the connection failed).
long send_some(int fd, const std::string& data, std::size_t from) {
  std::size_t done = from;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      return -1;
    }
  }
  return static_cast<long>(done - from);
}

}  // namespace

// A client that shut its sending side (FIN) after its request may still read the response
// (HTTP/1.1 allows the half-close; `nc -N` and some proxies do it), and a FIN looks the same
// whether the client half-closed or closed entirely. So only a reset or an error counts as
// gone; a client that closed entirely is found when its response cannot be written.
bool ClientConnection::gone() const {
  if (fd_ < 0) return false;
  pollfd p{fd_, 0, 0};  // POLLERR, POLLHUP and POLLNVAL are reported whatever is asked
  if (poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

struct HttpServer::Impl {
  enum class Phase { Reading, Handling, Writing, Lingering };

  struct Conn {
    int fd = -1;
    std::uint64_t id = 0;
    std::string remote;
    Phase phase = Phase::Reading;
    RequestReader reader;
    std::string in;             // received bytes not yet parsed (a pipelined request)
    bool started = false;       // a byte of the current request has arrived
    bool body_started = false;  // its headers are complete
    bool continue_sent = false;
    Clock::time_point deadline;
    std::string out;
    std::size_t out_pos = 0;
    bool keep_alive = false;
    std::uint32_t events = 0;  // registered with epoll (0: not registered)
    bool dead = false;         // closed; its descriptor is released by reap()
  };

  struct Job {
    int fd;
    std::uint64_t id;
    HttpRequest request;
    Clock::time_point start;
  };

  struct Done {
    int fd;
    std::uint64_t id;
    std::string rest;  // bytes the handler thread could not write yet
    bool keep_alive;
    bool drop;
  };

  Impl(HttpServerOptions o, Handler h, ErrorHandler e, Observer ob)
      : options(std::move(o)), handler(std::move(h)), on_error(std::move(e)), observer(std::move(ob)) {}

  HttpServerOptions options;
  Handler handler;
  ErrorHandler on_error;
  Observer observer;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  int spare_fd = -1;  // released to accept-and-close when the process is out of descriptors
  int bound_port = -1;
  std::uint64_t next_id = 1;
  std::unordered_map<int, Conn> conns;  // the loop thread's alone
  std::vector<int> dead_fds;

  std::atomic<bool> closing{false};

  std::mutex mutex;  // guards jobs, done, stop fields
  std::condition_variable jobs_cv;
  std::condition_variable stopped_cv;
  std::deque<Job> jobs;
  std::vector<Done> done;
  bool workers_quit = false;
  bool stop_requested = false;
  bool running = false;
  bool finished = false;
  Clock::time_point flush_until;
  std::vector<std::thread> workers;

  void wake() {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd, &one, sizeof one);
  }

  void watch(Conn& c, std::uint32_t events) {
    if (events == c.events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = c.fd;
    if (c.events == 0) epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c.fd, &ev);
    else if (events == 0) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
    else epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    c.events = events;
  }

  // Marks the connection closed. Callers up the stack may still hold a reference to it, so
  // the entry and the descriptor (whose number must not be reused meanwhile) go in reap().
  void close_conn(int fd) {
    auto it = conns.find(fd);
    if (it == conns.end() || it->second.dead) return;
    if (it->second.events != 0) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    it->second.events = 0;
    it->second.dead = true;
    dead_fds.push_back(fd);
  }

  void reap() {
    for (const int fd : dead_fds) {
      ::close(fd);
      conns.erase(fd);
    }
    dead_fds.clear();
  }

  void start_reading(Conn& c, Clock::time_point now) {
    c.phase = Phase::Reading;
    c.reader.reset();
    c.started = c.body_started = c.continue_sent = false;
    c.deadline = now + options.keep_alive_timeout;
    watch(c, EPOLLIN | EPOLLRDHUP);
  }

  // Queues `bytes` on the connection; it continues with `keep_alive` once they are written.
  void begin_write(Conn& c, std::string bytes, std::size_t from, bool keep_alive, Clock::time_point now) {
    c.out = std::move(bytes);
    c.out_pos = from;
    c.keep_alive = keep_alive;
    c.phase = Phase::Writing;
    c.deadline = now + options.write_timeout;
    on_writable(c, now);
  }

  void on_writable(Conn& c, Clock::time_point now) {
    const long n = send_some(c.fd, c.out, c.out_pos);
    if (n < 0) {
      close_conn(c.fd);
      return;
    }
    c.out_pos += static_cast<std::size_t>(n);
    if (c.out_pos < c.out.size()) {
      watch(c, EPOLLOUT);
      return;
    }
    c.out.clear();
    c.out_pos = 0;
    if (c.keep_alive && !stop_requested_now()) {
      start_reading(c, now);
      advance(c, now);
    } else {
      linger(c, now);
    }
  }

  // Ends the connection: no more output; unread input is drained for kLinger, then closed.
  void linger(Conn& c, Clock::time_point now) {
    ::shutdown(c.fd, SHUT_WR);
    c.phase = Phase::Lingering;
    c.deadline = now + kLinger;
    watch(c, EPOLLIN | EPOLLRDHUP);
  }

  bool stop_requested_now() {
    std::lock_guard lock(mutex);
    return stop_requested;
  }

  void respond_error(Conn& c, int status, const std::string& message, Clock::time_point now) {
    HttpResponse res;
    const HttpRequest& partial = c.reader.request();
    try {
      res = on_error(status, message, partial);
    } catch (...) {
      res.status = status;
    }
    res.status = status;
    if (observer) observer(partial, res, 0.0);
    begin_write(c, serialize(res, false, partial.method == "HEAD"), 0, false, now);
  }

  // Parses what has arrived; dispatches a complete request or answers a refused one.
  void advance(Conn& c, Clock::time_point now) {
    while (c.phase == Phase::Reading && !c.in.empty()) {
      if (!c.started) {
        c.started = true;
        c.deadline = now + options.header_timeout;
      }
      const std::size_t used = c.reader.feed(c.in);
      c.in.erase(0, used);
      switch (c.reader.state()) {
        case RequestReader::State::Idle:
        case RequestReader::State::Headers: break;
        case RequestReader::State::Body:
          if (!c.body_started) {
            c.body_started = true;
            c.deadline = now + options.body_timeout;
          }
          if (c.reader.wants_continue() && !c.continue_sent) {
            c.continue_sent = true;
            (void)send_some(c.fd, "HTTP/1.1 100 Continue\r\n\r\n", 0);
          }
          break;
        case RequestReader::State::Failed:
          respond_error(c, c.reader.error_status(), c.reader.error_message(), now);
          return;
        case RequestReader::State::Done: dispatch(c, now); return;
      }
    }
  }

  void dispatch(Conn& c, Clock::time_point now) {
    c.phase = Phase::Handling;
    watch(c, 0);  // the handler thread may poll the socket; the loop leaves it alone
    Job job{c.fd, c.id, std::move(c.reader.request()), now};
    job.request.remote_addr = c.remote;
    c.reader.reset();
    {
      std::lock_guard lock(mutex);
      jobs.push_back(std::move(job));
    }
    jobs_cv.notify_one();
  }

  void on_readable(Conn& c, Clock::time_point now) {
    char buf[64 * 1024];
    while (c.phase == Phase::Reading || c.phase == Phase::Lingering) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        if (c.phase == Phase::Lingering) continue;  // dropped
        c.in.append(buf, static_cast<std::size_t>(n));
        advance(c, now);
        // A complete request stops reading: later bytes wait in the socket.
        if (c.dead || c.phase != Phase::Reading) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      // End of stream or an error: nothing more will come.
      close_conn(c.fd);
      return;
    }
  }

  void accept_all(Clock::time_point now) {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
          // Out of descriptors: accept and close one so the backlog does not spin the loop.
          ::close(spare_fd);
          const int extra = ::accept(listen_fd, nullptr, nullptr);
          if (extra >= 0) ::close(extra);
          spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          continue;
        }
        return;
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn& c = conns[fd];
      c.fd = fd;
      c.reader = RequestReader(options.limits);
      c.id = next_id++;
      c.remote = peer_text(addr);
      if (conns.size() > options.max_connections) {
        respond_error(c, 503, "the server holds --max-connections connections; retry later", now);
        continue;
      }
      start_reading(c, now);
    }
  }

  void take_done(Clock::time_point now) {
    std::vector<Done> finished_jobs;
    {
      std::lock_guard lock(mutex);
      finished_jobs.swap(done);
    }
    for (Done& d : finished_jobs) {
      auto it = conns.find(d.fd);
      if (it == conns.end() || it->second.id != d.id || it->second.dead) continue;
      Conn& c = it->second;
      if (d.drop) {
        close_conn(c.fd);
        continue;
      }
      begin_write(c, std::move(d.rest), 0, d.keep_alive, now);
    }
  }

  void check_deadlines(Clock::time_point now) {
    std::vector<int> expired;
    for (auto& [fd, c] : conns) {
      if (!c.dead && c.phase != Phase::Handling && now >= c.deadline) expired.push_back(fd);
    }
    for (const int fd : expired) {
      Conn& c = conns.at(fd);
      if (c.phase == Phase::Reading && c.started) {
        const bool in_body = c.body_started;
        respond_error(c, 408,
                      in_body ? "the request body did not arrive within the server's --body-timeout"
                              : "the request headers did not arrive within the server's --header-timeout",
                      now);
      } else {
        close_conn(fd);  // idle keep-alive, a stalled reader of its response, or lingering done
      }
    }
  }

  // First sight of stop(): no new connections; a request only partly read is answered 503.
  void begin_stop(Clock::time_point now) {
    if (listen_fd >= 0) {
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
      ::close(listen_fd);
      listen_fd = -1;
    }
    std::vector<int> reading;
    for (auto& [fd, c] : conns) {
      if (!c.dead && c.phase == Phase::Reading) reading.push_back(fd);
    }
    for (const int fd : reading) {
      Conn& c = conns.at(fd);
      if (c.started) respond_error(c, 503, "the server is shutting down; retry on another replica", now);
      else close_conn(fd);
    }
  }

  bool busy() const {
    for (const auto& [fd, c] : conns) {
      if (!c.dead && (c.phase == Phase::Handling || c.phase == Phase::Writing)) return true;
    }
    return false;
  }

  void worker_loop() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex);
        jobs_cv.wait(lock, [this] { return workers_quit || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      HttpResponse res;
      try {
        res = handler(job.request, ClientConnection(job.fd));
      } catch (const std::exception& e) {
        res = on_error(500, std::string("internal error: ") + e.what(), job.request);
      }
      const bool keep_alive = job.request.wants_keep_alive() && !res.close && !closing.load();
      Done d{job.fd, job.id, {}, keep_alive, res.drop};
      if (!res.drop) {
        std::string bytes = serialize(res, keep_alive, job.request.method == "HEAD");
        // Most responses fit the socket buffer: write them here, hand the loop only the rest.
        const long n = send_some(job.fd, bytes, 0);
        d.rest = n < 0 ? std::string() : bytes.substr(static_cast<std::size_t>(n));
        if (n < 0) d.drop = true;
      }
      if (observer) observer(job.request, res, std::chrono::duration<double>(Clock::now() - job.start).count());
      {
        std::lock_guard lock(mutex);
        done.push_back(std::move(d));
      }
      wake();
    }
  }

  void loop() {
    std::vector<epoll_event> events(256);
    Clock::time_point last_scan = Clock::now();
    bool stopping = false;
    for (;;) {
      const int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                               static_cast<int>(kTick.count()));
      const Clock::time_point now = Clock::now();
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        const std::uint32_t ev = events[static_cast<std::size_t>(i)].events;
        if (fd == listen_fd) {
          accept_all(now);
          continue;
        }
        if (fd == wake_fd) {
          std::uint64_t count;
          (void)!::read(wake_fd, &count, sizeof count);
          continue;
        }
        auto it = conns.find(fd);
        if (it == conns.end() || it->second.dead) continue;
        Conn& c = it->second;
        if (c.phase == Phase::Writing && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
          on_writable(c, now);
        } else if ((c.phase == Phase::Reading || c.phase == Phase::Lingering) &&
                   (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
          on_readable(c, now);
        }
      }
      take_done(now);
      if (now - last_scan >= kTick) {
        check_deadlines(now);
        last_scan = now;
      }
      reap();
      bool stop_now = false;
      Clock::time_point until;
      {
        std::lock_guard lock(mutex);
        stop_now = stop_requested;
        until = flush_until;
      }
      if (stop_now) {
        if (!stopping) begin_stop(now);
        stopping = true;
        if (!busy() || now >= until) break;
      }
    }
    close_all(false);
  }

  void close_all(bool handling_too) {
    std::vector<int> all;
    for (const auto& [fd, c] : conns) {
      if (handling_too || c.phase != Phase::Handling) all.push_back(fd);
    }
    for (const int fd : all) close_conn(fd);
    reap();
  }
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler, ErrorHandler on_error, Observer observer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(on_error), std::move(observer))) {}

HttpServer::~HttpServer() {
  stop(std::chrono::milliseconds(0));
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  if (impl_->epoll_fd >= 0) ::close(impl_->epoll_fd);
  if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
  if (impl_->spare_fd >= 0) ::close(impl_->spare_fd);
}

int HttpServer::bind() {
  const HttpServerOptions& o = impl_->options;
  const std::string where = o.host + ":" + std::to_string(o.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(o.port);
  if (const int rc = getaddrinfo(o.host.empty() ? nullptr : o.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw Error(ErrorCode::Network, "cannot listen on " + where + ": " + gai_strerror(rc));
  }
  std::string reason = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      reason = std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only lets a restarted server bind past TIME_WAIT; on Linux it never lets
    // two listeners share a port. SO_REUSEPORT would, so it is opt-in.
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (o.reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      impl_->listen_fd = fd;
      break;
    }
    reason = errno == EADDRINUSE ? "address already in use (another server listens there; --reuse-port shares it on purpose)"
                                 : std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  if (impl_->listen_fd < 0) throw Error(ErrorCode::Network, "cannot listen on " + where + ": " + reason);
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&local), &len);
  impl_->bound_port = local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(local).sin6_port)
                                                  : ntohs(reinterpret_cast<sockaddr_in&>(local).sin_port);
  impl_->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  impl_->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl_->spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (impl_->epoll_fd < 0 || impl_->wake_fd < 0) throw Error(ErrorCode::Network, "cannot create the event loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = impl_->listen_fd;
  epoll_ctl(impl_->epoll_fd, EPOLL_CTL_ADD, impl_->listen_fd, &ev);
  ev.data.fd = impl_->wake_fd;
  epoll_ctl(impl_->epoll_fd, EPOLL_CTL_ADD, impl_->wake_fd, &ev);
  return impl_->bound_port;
}

void HttpServer::run() {
  Impl& m = *impl_;
  if (m.epoll_fd < 0) throw Error(ErrorCode::Internal, "HttpServer::run() before bind()");
  {
    std::lock_guard lock(m.mutex);
    if (m.stop_requested) return;
    m.running = true;
  }
  for (std::size_t i = 0; i < std::max<std::size_t>(1, m.options.handler_threads); ++i) {
    m.workers.emplace_back([&m] { m.worker_loop(); });
  }
  m.loop();
  {
    std::lock_guard lock(m.mutex);
    m.workers_quit = true;
  }
  m.jobs_cv.notify_all();
  for (std::thread& t : m.workers) t.join();
  m.workers.clear();
  m.close_all(true);  // connections whose handler outlived the flush deadline
  {
    std::lock_guard lock(m.mutex);
    m.running = false;
    m.finished = true;
  }
  m.stopped_cv.notify_all();
}

void HttpServer::close_connections_after_response() { impl_->closing.store(true); }

void HttpServer::stop(std::chrono::milliseconds flush) {
  Impl& m = *impl_;
  std::unique_lock lock(m.mutex);
  if (!m.stop_requested) {
    m.stop_requested = true;
    m.flush_until = Clock::now() + flush;
  }
  if (m.wake_fd >= 0) m.wake();
  m.stopped_cv.wait(lock, [&m] { return !m.running; });
}

int HttpServer::port() const { return impl_->bound_port; }

}  // namespace rerank::serve::http
