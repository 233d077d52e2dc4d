// The server on the runtime: one bad request (over-long with truncate:false) among 64
// concurrent good ones fails alone, before the queue, and no good request is run twice
// (the runtime's counters).
#include <thread>

#include <gtest/gtest.h>

#include "runtime/served_model_ranker.hpp"
#include "serve_test_support.hpp"
#include "support/test_support.hpp"

namespace rerank::serve::testing {
namespace {

TEST(ServeRuntime, OneBadRequestAmongSixtyFourFailsAloneAndNothingIsRerun) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  LoadOptions options;
  options.threads = 2;
  std::shared_ptr<const Ranker> ranker = rerank::load(dir.string(), options);
  const runtime::RuntimeCounters& counters = runtime::served_runtime(*ranker)->counters();
  auto handle = start_server({{"ce", ranker}});
  const runtime::BatchScheduler& scheduler = *handle->server->models().models()[0].scheduler;

  const nlohmann::json good = {{"query", "what do foxes eat"},
                               {"texts", {"foxes eat mice", "a red fox", "berries", "the moon"}},
                               {"truncate", false}};
  std::string huge;
  for (int i = 0; i < 3000; ++i) huge += "word ";
  const nlohmann::json bad = {{"query", "what do foxes eat"}, {"texts", {"short", huge}}, {"truncate", false}};

  std::vector<int> statuses(65, 0);
  std::vector<std::thread> clients;
  for (int i = 0; i < 65; ++i) {
    clients.emplace_back([&, i] {
      auto c = handle->client();
      const std::string body = (i == 32 ? bad : good).dump();
      auto res = c.Post("/rerank", body, "application/json");
      statuses[static_cast<std::size_t>(i)] = res ? res->status : -1;
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < 65; ++i) {
    EXPECT_EQ(statuses[static_cast<std::size_t>(i)], i == 32 ? 422 : 200) << "request " << i;
  }
  // Every good request's 4 pairs ran exactly once; the bad one never reached the model.
  EXPECT_EQ(counters.requests.load(), 64u);
  EXPECT_EQ(counters.sequences.load(), 64u * 4u);
  EXPECT_EQ(counters.failed_requests.load(), 0u);
  EXPECT_EQ(scheduler.stats().failed.load(), 1u);
  EXPECT_EQ(scheduler.stats().completed.load(), 64u);
  std::cout << "[runtime] 64 good requests ran in " << counters.batches.load() << " forward passes ("
            << scheduler.stats().batches.load() << " scheduler runs)\n";
}

}  // namespace
}  // namespace rerank::serve::testing
