// `rerank serve` as a process: a port in use is an error unless --reuse-port is given, and
// SIGTERM with --drain-timeout N exits in about N seconds, answering every request it read.
#include <gtest/gtest.h>

#include "serve_process.hpp"
#include "serve_test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ServeCliPort, ASecondServerOnAUsedPortExitsWithAddressInUse) {
  ServeProcess first({"--model", "bm25", "--port", "0"});
  ASSERT_GT(first.port(), 0) << first.stderr_text();
  ServeProcess second({"--model", "bm25", "--port", std::to_string(first.port())});
  EXPECT_EQ(second.port(), 0) << "the second server says it listens";
  const int code = second.wait_exit(20s);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "still running";
  EXPECT_NE(second.stderr_text().find("address already in use"), std::string::npos) << second.stderr_text();
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait_exit(20s), 0);
}

TEST(ServeCliPort, ReusePortSharesThePortOnlyWhenBothAskForIt) {
  ServeProcess first({"--model", "bm25", "--port", "0", "--reuse-port"});
  ASSERT_GT(first.port(), 0) << first.stderr_text();
  ServeProcess second({"--model", "bm25", "--port", std::to_string(first.port()), "--reuse-port"});
  EXPECT_EQ(second.port(), first.port()) << second.stderr_text();
  for (ServeProcess* p : {&first, &second}) {
    p->signal(SIGTERM);
    EXPECT_EQ(p->wait_exit(20s), 0);
  }
}

TEST(ServeInProcessPort, BindOnAUsedPortThrowsNetworkError) {
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}});
  std::vector<ServedModel> served = {
      {"w", std::make_shared<runtime::BatchScheduler>(std::make_shared<WordCountRanker>(),
                                                      runtime::BatchSchedulerOptions{}), {}}};
  ServerOptions options;
  options.port = handle->port;
  Server second(ModelTable(std::move(served)), options);
  std::string message;
  EXPECT_EQ(rerank::testing::code_of([&] { second.bind(); }, &message), ErrorCode::Network);
  EXPECT_NE(message.find("address already in use"), std::string::npos) << message;
}

// An upstream that holds every request until released: a model call that outlives the drain.
struct StuckUpstream {
  httplib::Server http;
  std::thread thread;
  int port = 0;
  std::atomic<int> requests{0};
  std::atomic<bool> released{false};
  StuckUpstream() {
    http.Post("/v1/rerank", [this](const httplib::Request&, httplib::Response& res) {
      ++requests;
      for (int i = 0; i < 6000 && !released.load(); ++i) std::this_thread::sleep_for(10ms);
      res.set_content(R"({"results":[{"index":0,"relevance_score":1.0}]})", "application/json");
    });
    port = http.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { http.listen_after_bind(); });
  }
  ~StuckUpstream() {
    released = true;
    http.stop();
    thread.join();
  }
};

TEST(ServeCliDrain, DrainTimeoutBoundsTheExitAndAnswersEveryRequest) {
  StuckUpstream upstream;
  ServeProcess serve({"--model", "rerank:http://127.0.0.1:" + std::to_string(upstream.port), "--port", "0",
                      "--drain-timeout", "1", "--param", "retries=0", "--timeout", "120"});
  ASSERT_GT(serve.port(), 0) << serve.stderr_text();
  const std::string body = json{{"query", "q"}, {"documents", {"a"}}}.dump();
  // A keep-alive connection opened before the drain, used during it.
  RawConnection kept(serve.port());
  kept.send_all("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_EQ(status_of(kept.read_response()), 200);

  int in_flight_status = 0;
  std::string in_flight_body;
  std::thread in_flight([&] {
    httplib::Client c("127.0.0.1", serve.port());
    c.set_read_timeout(60, 0);
    auto res = c.Post("/v1/rerank", body, "application/json");
    in_flight_status = res ? res->status : -1;
    if (res) in_flight_body = res->body;
  });
  for (int i = 0; i < 2000 && upstream.requests.load() == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(upstream.requests.load(), 1);

  const auto t0 = Clock::now();
  serve.signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  kept.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                body);
  const std::string during = kept.read_response();
  EXPECT_EQ(status_of(during), 503) << during;
  EXPECT_EQ(header_of(during, "Connection"), "close");
  EXPECT_EQ(header_of(during, "Retry-After"), "1");
  EXPECT_TRUE(kept.closed_within(10s));

  const int code = serve.wait_exit(30s);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  in_flight.join();
  std::cout << "[drain] --drain-timeout 1: exited " << seconds << " s after SIGTERM with " << code << "\n";
  EXPECT_EQ(code, 0) << serve.stderr_text();
  EXPECT_LT(seconds, 8.0);  // 1 s of drain, up to 2 s to answer the cancelled; generous for a loaded machine
  EXPECT_EQ(in_flight_status, 503) << in_flight_body;
  EXPECT_NE(in_flight_body.find("--drain-timeout"), std::string::npos) << in_flight_body;
}

}  // namespace
}  // namespace rerank::serve::testing
