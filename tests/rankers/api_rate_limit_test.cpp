// The client-side rate limiter holds a configured 600 requests/minute over a burst of 200
// requests from 8 threads, measured by the fake server's clock at arrival.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "rerank/ranker.hpp"
#include "support/api_test_util.hpp"
#include "support/fake_api_server.hpp"

namespace rerank::testing {
namespace {

TEST(ApiRateLimit, HoldsSixHundredRequestsPerMinuteOverABurstOfTwoHundred) {
  FakeApiServer server("jina");
  // rpm=600 is 10 requests/s; burst=0.1 (seconds of rate) lets one request go at once, so
  // the limit holds strictly: no window of the server's clock sees more than 10/s + 1.
  auto ranker =
      load("jina:jina-reranker-v2-base-multilingual", fake_options(server, {{"rpm", "600"}, {"burst", "0.1"}}));
  const auto docs = numbered_documents(3);
  constexpr int kThreads = 8, kPerThread = 25, kTotal = kThreads * kPerThread;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        try {
          if (ranker->score_documents("q", docs).values != expected_scores(docs)) ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(server.request_count(), static_cast<std::size_t>(kTotal));

  std::vector<double> at;
  for (const FakeRequest& r : server.requests()) at.push_back(r.arrival_s);
  std::sort(at.begin(), at.end());
  const double rate = 10.0, burst = 1.0;
  // In every window [t_i, t_j] of the server's clock, no more than burst + rate * width
  // requests arrived (plus one for the request at the window's edge). A request the limiter
  // released on time can still reach the server late when a loaded 2-core host stalls its
  // thread, bunching it with the next: the window gets 0.2 s of such delay (two requests),
  // while a limiter that lets bursts of five or more through still fails.
  constexpr double kArrivalDelay = 0.2;
  for (std::size_t i = 0; i < at.size(); ++i) {
    for (std::size_t j = i + 1; j < at.size(); ++j) {
      const double allowed = burst + rate * (at[j] - at[i] + kArrivalDelay) + 1.0;
      ASSERT_LE(static_cast<double>(j - i + 1), allowed)
          << "requests " << i << ".." << j << " arrived within " << (at[j] - at[i]) << " s";
    }
  }
  const double span = at.back() - at.front();
  std::size_t peak = 0;  // most arrivals within any one second
  for (std::size_t i = 0, j = 0; j < at.size(); ++j) {
    while (at[j] - at[i] > 1.0) ++i;
    peak = std::max(peak, j - i + 1);
  }
  std::printf("rate limiter: %d requests over %.2f s (%.1f/min), at most %zu in any 1 s window\n", kTotal, span,
              (kTotal - 1) / span * 60.0, peak);
  EXPECT_GE(span, (kTotal - burst) / rate - 0.5);  // ~19 s: the limiter did pace, at most 10/s overall
  EXPECT_LE(span, 1.5 * (kTotal - burst) / rate);  // and did not stall (pacing at 2/3 of the rate fails)
}

}  // namespace
}  // namespace rerank::testing
