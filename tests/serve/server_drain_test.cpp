// Draining in-process: past the drain deadline waiting work is cancelled and answered 503,
// every response during the drain closes its connection, and run() returns promptly.
#include <gtest/gtest.h>

#include "serve_test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ServeDrainDeadline, WorkPastTheDrainTimeoutIsCancelledAndAnswered503) {
  auto ranker = std::make_shared<WordCountRanker>();
  ranker->gate_closed = true;  // a model call that will not finish during the drain
  auto handle = start_server({{"w", ranker}});
  const std::string body = json{{"query", "red"}, {"documents", {"a red fox"}}}.dump();
  std::vector<int> statuses(3, 0);
  std::vector<std::string> bodies(3);
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) {  // one running, two waiting in the queue
    clients.emplace_back([&, i] {
      auto c = handle->client();
      auto res = c.Post("/v1/rerank", body, "application/json");
      statuses[static_cast<std::size_t>(i)] = res ? res->status : -1;
      if (res) bodies[static_cast<std::size_t>(i)] = res->body;
    });
    if (i == 0) {
      while (ranker->calls.load() == 0) std::this_thread::sleep_for(1ms);
    }
  }
  const runtime::BatchScheduler& scheduler = *handle->server->models().models()[0].scheduler;
  while (scheduler.in_flight() < 3) std::this_thread::sleep_for(1ms);

  const auto t0 = Clock::now();
  std::thread stopper([&] { handle->server->shutdown(300ms); });
  while (handle->server->ready()) std::this_thread::sleep_for(1ms);
  {
    // During the drain: 503, Retry-After, and the connection is closed.
    RawConnection kept(handle->port);
    kept.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\n\r\n" + body);
    const std::string res = kept.read_response();
    EXPECT_EQ(status_of(res), 503) << res;
    EXPECT_EQ(header_of(res, "Connection"), "close");
    EXPECT_TRUE(kept.closed_within(10s));
  }
  for (auto& t : clients) t.join();
  stopper.join();
  handle->thread.join();  // run() returned
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cout << "[drain] in-process drain of 300 ms returned after " << seconds << " s\n";
  EXPECT_LT(seconds, 10.0);  // without the cancel it waits for the gate (forever) or --timeout (30 s)
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(statuses[static_cast<std::size_t>(i)], 503) << i << ": " << bodies[static_cast<std::size_t>(i)];
    EXPECT_NE(bodies[static_cast<std::size_t>(i)].find("--drain-timeout"), std::string::npos) << bodies[static_cast<std::size_t>(i)];
  }
  ranker->gate_closed = false;  // let the scheduler's worker finish before teardown
  handle->server.reset();
}

}  // namespace
}  // namespace rerank::serve::testing
