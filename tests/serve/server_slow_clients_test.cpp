// Slow clients: a thousand connections trickling their headers (or bodies) neither delay
// other clients nor stay open past the total header/body deadlines.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include "serve_test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Each connection takes a descriptor here and one in the in-process server.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

double health_ms(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(5, 0);
  const auto t0 = Clock::now();
  auto r = c.Get("/health");
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  return r && r->status == 200 ? ms : 1e9;
}

// `count` connections, each sent `prefix` and then one more byte of `drip` every `interval`
// from one thread, until stopped.
class Tricklers {
 public:
  Tricklers(int port, std::size_t count, std::string prefix, std::string drip, std::chrono::milliseconds interval)
      : drip_(std::move(drip)) {
    for (std::size_t i = 0; i < count; ++i) {
      conns_.push_back(std::make_unique<RawConnection>(port));
      if (conns_.back()->connected()) conns_.back()->send_all(prefix);
    }
    thread_ = std::thread([this, interval] {
      std::size_t at = 0;
      while (!stop_.load()) {
        for (auto& c : conns_) {
          if (c->connected()) (void)::send(c->fd(), &drip_[at % drip_.size()], 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        ++at;
        std::this_thread::sleep_for(interval);
      }
    });
  }
  ~Tricklers() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::size_t connected() const {
    std::size_t n = 0;
    for (const auto& c : conns_) n += c->connected() ? 1 : 0;
    return n;
  }
  // How many the server has closed (after a 408, or silently) within `timeout`.
  std::size_t closed_by_server(std::chrono::milliseconds timeout) {
    std::size_t n = 0;
    const auto until = Clock::now() + timeout;
    for (auto& c : conns_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (c->connected() && c->closed_within(std::max(left, 1ms))) ++n;
    }
    return n;
  }

 private:
  std::string drip_;
  std::vector<std::unique_ptr<RawConnection>> conns_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(ServeSlowClients, AThousandTricklingHeadersDelayNobody) {
  raise_descriptor_limit();
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}});
  Tricklers slow(handle->port, 1000, "POST /v1/rerank HTTP/1.1\r\nHost: t\r\n", "X-Slow: aaaaaaaa\r\n", 200ms);
  ASSERT_GE(slow.connected(), 990u);
  std::this_thread::sleep_for(500ms);
  double worst = 0;
  for (int i = 0; i < 5; ++i) worst = std::max(worst, health_ms(handle->port));
  std::cout << "[slow] /health with 1000 trickling connections: worst of 5 " << worst << " ms\n";
  EXPECT_LT(worst, 1000.0);
  auto c = handle->client();
  auto res = c.Post("/v1/rerank", json{{"query", "red"}, {"documents", {"a red fox", "blue"}}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(ServeSlowClients, HeaderDeadlineIsATotalNotPerRead) {
  raise_descriptor_limit();
  ServerOptions options;
  options.header_timeout = 1000ms;
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}}, options);
  // A byte every 100 ms: no single read waits long, but the headers never end.
  Tricklers slow(handle->port, 200, "GET /health HTTP/1.1\r\n", "X-Slow: aaaaaaaa\r\n", 100ms);
  const auto t0 = Clock::now();
  const std::size_t closed = slow.closed_by_server(20s);
  std::cout << "[slow] " << closed << " of 200 trickling connections closed after "
            << std::chrono::duration<double>(Clock::now() - t0).count() << " s (--header-timeout 1 s)\n";
  EXPECT_EQ(closed, 200u);
  EXPECT_LT(health_ms(handle->port), 1000.0);
}

// Sends `byte` every 100 ms on `c` until destroyed: a client whose request never ends.
class Dripper {
 public:
  Dripper(RawConnection& c, const char* byte)
      : thread_([this, &c, byte] {
          while (!stop_.load()) {
            (void)::send(c.fd(), byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~Dripper() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// One trickling client reads its 408, and it comes when the deadline passes, not before and
// not much after.
TEST(ServeSlowClients, HeaderDeadlineAnswers408WhenItPasses) {
  ServerOptions options;
  options.header_timeout = 1000ms;
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}}, options);
  RawConnection c(handle->port);
  const auto t0 = Clock::now();
  c.send_all("GET /health HTTP/1.1\r\n");
  std::string res;
  double seconds = 0;
  {
    const Dripper drip(c, "X");
    res = c.read_response(20s);
    seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  ASSERT_EQ(status_of(res), 408) << res;
  EXPECT_NE(body_of(res).find("--header-timeout"), std::string::npos) << res;
  EXPECT_GE(seconds, 0.9);
  EXPECT_LT(seconds, 5.0);
}

TEST(ServeSlowClients, BodyDeadlineIsATotalAndAnswers408) {
  ServerOptions options;
  options.body_timeout = 1000ms;
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}}, options);
  RawConnection c(handle->port);
  c.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n{");
  std::string res;
  {
    const Dripper drip(c, " ");
    res = c.read_response(20s);
  }
  EXPECT_EQ(status_of(res), 408) << res;
  EXPECT_NE(body_of(res).find("--body-timeout"), std::string::npos) << res;
  // Chunked the same way.
  RawConnection d(handle->port);
  d.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n");
  EXPECT_EQ(status_of(d.read_response(20s)), 408);
}

TEST(ServeSlowClients, IdleAndSilentConnectionsAreClosed) {
  ServerOptions options;
  options.keep_alive_timeout = 500ms;
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}}, options);
  RawConnection silent(handle->port);
  EXPECT_TRUE(silent.closed_within(20s));
  RawConnection idle(handle->port);
  idle.send_all("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(status_of(idle.read_response()), 200);
  EXPECT_TRUE(idle.closed_within(20s));
}

TEST(ServeSlowClients, AClientThatNeverReadsIsCutOffAtTheWriteTimeout) {
  ServerOptions options;
  options.write_timeout = 1000ms;
  options.keep_alive_timeout = 120s;  // so only the write deadline can close it
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}}, options);
  // Pipelined requests for large responses, none of them read: the socket buffers fill and
  // the server's writes stall; other clients must not notice, and the reader is dropped.
  RawConnection c(handle->port);
  const int small = 4096;
  setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string docs;
  for (int i = 0; i < 50; ++i) docs += (i ? ",\"" : "\"") + std::string(2000, 'a' + i % 26) + "\"";
  const std::string body = R"({"query":"a","return_documents":true,"documents":[)" + docs + "]}";
  std::string burst;
  for (int i = 0; i < 100; ++i) {
    burst += "POST /v1/rerank HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  std::thread sender([&] { c.send_all(burst); });  // may block once the server stops reading
  std::this_thread::sleep_for(500ms);
  EXPECT_LT(health_ms(handle->port), 1000.0);
  std::this_thread::sleep_for(3s);  // not reading: a response stays unwritten past 1 s
  // Reading now drains what the kernel buffered, then finds the server's close (a server
  // that kept the connection would go on answering the 100 requests and keep it open).
  EXPECT_TRUE(c.closed_within(20s));
  ::shutdown(c.fd(), SHUT_RDWR);
  sender.join();
  EXPECT_LT(health_ms(handle->port), 1000.0);
}

TEST(ServeSlowClients, ConnectionsPastMaxConnectionsAre503AndClosed) {
  ServerOptions options;
  options.max_connections = 20;
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}}, options);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 20; ++i) held.push_back(std::make_unique<RawConnection>(handle->port));
  std::this_thread::sleep_for(200ms);  // let the server accept them all
  RawConnection extra(handle->port);
  const std::string res = extra.read_response();
  EXPECT_EQ(status_of(res), 503) << res;
  EXPECT_NE(body_of(res).find("--max-connections"), std::string::npos);
  held.clear();
  std::this_thread::sleep_for(200ms);
  EXPECT_LT(health_ms(handle->port), 1000.0);  // room again once they left
}

}  // namespace
}  // namespace rerank::serve::testing
