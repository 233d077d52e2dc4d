// The batching scheduler: merging, budget, queue bound, deadlines, cancellation, draining,
// error isolation. A fake ranker records every score_many call.
#include "runtime/batch_scheduler.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "rerank/error.hpp"

namespace rerank::runtime {
namespace {

using namespace std::chrono_literals;

// Scores each document by its length; sleeps per call so concurrent requests pile up; can
// be told to reject a document ("bad") to test error isolation; can be paused.
class FakeRanker final : public Ranker {
 public:
  explicit FakeRanker(std::chrono::milliseconds delay) : delay_(delay) { info_.type = "fake"; }
  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view query, std::span<const Document> documents,
                         const ScoreOptions&) const override {
    Scores s;
    for (const Document& d : documents) {
      if (d.text == "bad") throw Error(ErrorCode::InvalidInput, "document 'bad' is over the limit");
      s.values.push_back(static_cast<double>(d.text.size()) + static_cast<double>(query.size()) / 100.0);
    }
    return s;
  }
  std::vector<Scores> score_many(std::span<const std::string> queries,
                                 std::span<const std::vector<Document>> docs,
                                 const ScoreOptions& options) const override {
    {
      std::lock_guard lock(mutex_);
      call_sizes_.push_back(queries.size());
    }
    while (paused_.load()) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(delay_);
    return Ranker::score_many(queries, docs, options);
  }
  std::vector<std::size_t> call_sizes() const {
    std::lock_guard lock(mutex_);
    return call_sizes_;
  }
  std::atomic<bool> paused_{false};

 private:
  RankerInfo info_;
  std::chrono::milliseconds delay_;
  mutable std::mutex mutex_;
  mutable std::vector<std::size_t> call_sizes_;
};

Job make_job(const std::string& query, std::vector<std::string> texts) {
  Job job;
  job.query = query;
  for (auto& t : texts) job.documents.push_back(Document{"", std::move(t), nlohmann::json::object()});
  return job;
}

TEST(BatchScheduler, ScoresComeBackInInputOrderWithDocuments) {
  auto ranker = std::make_shared<FakeRanker>(0ms);
  BatchScheduler scheduler(ranker, {});
  auto ticket = scheduler.submit(make_job("q", {"aaa", "a", "aa"}));
  ASSERT_TRUE(ticket->wait_until(Clock::now() + 5s));
  Scores s = ticket->take();
  ASSERT_EQ(s.values.size(), 3u);
  EXPECT_DOUBLE_EQ(s.values[0], 3.01);
  EXPECT_DOUBLE_EQ(s.values[1], 1.01);
  EXPECT_DOUBLE_EQ(s.values[2], 2.01);
  ASSERT_EQ(ticket->job().documents.size(), 3u);  // handed back for the response
  EXPECT_EQ(ticket->job().documents[0].text, "aaa");
  EXPECT_GT(ticket->estimated_tokens(), 0u);
}

TEST(BatchScheduler, MergesConcurrentRequestsIntoOneCall) {
  auto ranker = std::make_shared<FakeRanker>(0ms);
  ranker->paused_ = true;
  BatchScheduler scheduler(ranker, {});
  // The first request occupies the worker; the next ten wait and must share one call.
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (ranker->call_sizes().empty()) std::this_thread::sleep_for(1ms);
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 10; ++i) tickets.push_back(scheduler.submit(make_job("q" + std::to_string(i), {"doc", "d"})));
  ranker->paused_ = false;
  for (auto& t : tickets) {
    ASSERT_TRUE(t->wait_until(Clock::now() + 5s));
    Scores s = t->take();
    ASSERT_EQ(s.values.size(), 2u);
    EXPECT_DOUBLE_EQ(s.values[0], 3.02);  // each request gets its own query's scores
  }
  const auto sizes = ranker->call_sizes();
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_EQ(sizes[1], 10u);
  EXPECT_NEAR(scheduler.stats().mean_requests_per_batch(), 5.5, 1e-9);
}

TEST(BatchScheduler, TokenBudgetAndRequestLimitSplitBatches) {
  auto ranker = std::make_shared<FakeRanker>(0ms);
  ranker->paused_ = true;
  BatchSchedulerOptions options;
  options.max_batch_tokens = 10;  // each request below is 1 pair of 1+1+3 = 5 tokens
  BatchScheduler scheduler(ranker, options);
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (ranker->call_sizes().empty()) std::this_thread::sleep_for(1ms);
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 6; ++i) tickets.push_back(scheduler.submit(make_job("q", {"d"})));
  ranker->paused_ = false;
  for (auto& t : tickets) ASSERT_TRUE(t->wait_until(Clock::now() + 5s));
  const auto sizes = ranker->call_sizes();
  ASSERT_EQ(sizes.size(), 4u);
  for (std::size_t i = 1; i < sizes.size(); ++i) EXPECT_EQ(sizes[i], 2u);

  // max_batch_requests = 1: one request per call, however many wait.
  auto ranker1 = std::make_shared<FakeRanker>(0ms);
  ranker1->paused_ = true;
  BatchSchedulerOptions single;
  single.max_batch_requests = 1;
  BatchScheduler one(ranker1, single);
  std::vector<std::shared_ptr<Ticket>> more;
  for (int i = 0; i < 5; ++i) more.push_back(one.submit(make_job("q", {"d"})));
  ranker1->paused_ = false;
  for (auto& t : more) ASSERT_TRUE(t->wait_until(Clock::now() + 5s));
  for (std::size_t s : ranker1->call_sizes()) EXPECT_EQ(s, 1u);
}

TEST(BatchScheduler, OversizedRequestRunsAloneAndLongerRequestsAreSkippedNotStarved) {
  auto ranker = std::make_shared<FakeRanker>(0ms);
  ranker->paused_ = true;
  BatchSchedulerOptions options;
  options.max_batch_tokens = 12;
  BatchScheduler scheduler(ranker, options);
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (ranker->call_sizes().empty()) std::this_thread::sleep_for(1ms);
  // big (far over budget) must still run; the small ones fit around it.
  auto big = scheduler.submit(make_job("q", std::vector<std::string>(10, "word")));
  auto s1 = scheduler.submit(make_job("q", {"d"}));
  auto s2 = scheduler.submit(make_job("q", {"d"}));
  ranker->paused_ = false;
  for (auto* t : {&big, &s1, &s2}) ASSERT_TRUE((*t)->wait_until(Clock::now() + 5s));
  EXPECT_EQ(big->take().values.size(), 10u);
  const auto sizes = ranker->call_sizes();
  ASSERT_EQ(sizes.size(), 3u);
  EXPECT_EQ(sizes[1], 1u);  // big alone
  EXPECT_EQ(sizes[2], 2u);  // the two small ones together
}

TEST(BatchScheduler, DifferentOptionsAreNotMerged) {
  auto ranker = std::make_shared<FakeRanker>(0ms);
  ranker->paused_ = true;
  BatchScheduler scheduler(ranker, {});
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (ranker->call_sizes().empty()) std::this_thread::sleep_for(1ms);
  Job a = make_job("q", {"d"});
  Job b = make_job("q", {"d"});
  b.options.truncate = false;
  auto ta = scheduler.submit(std::move(a));
  auto tb = scheduler.submit(std::move(b));
  ranker->paused_ = false;
  ASSERT_TRUE(ta->wait_until(Clock::now() + 5s));
  ASSERT_TRUE(tb->wait_until(Clock::now() + 5s));
  EXPECT_EQ(ranker->call_sizes().size(), 3u);
}

TEST(BatchScheduler, QueueBoundRejectsWithOverloaded) {
  auto ranker = std::make_shared<FakeRanker>(0ms);
  ranker->paused_ = true;
  BatchSchedulerOptions options;
  options.max_queue = 3;
  BatchScheduler scheduler(ranker, options);
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 3; ++i) tickets.push_back(scheduler.submit(make_job("q", {"d"})));
  try {
    scheduler.submit(make_job("q", {"d"}));
    FAIL() << "expected Overloaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Overloaded);
  }
  EXPECT_EQ(scheduler.stats().rejected.load(), 1u);
  ranker->paused_ = false;
  for (auto& t : tickets) ASSERT_TRUE(t->wait_until(Clock::now() + 5s));
  EXPECT_EQ(scheduler.in_flight(), 0u);
  EXPECT_NO_THROW(scheduler.submit(make_job("q", {"d"})));  // room again
}

TEST(BatchScheduler, ExpiredAndCancelledRequestsAreNeverComputed) {
  auto ranker = std::make_shared<FakeRanker>(0ms);
  ranker->paused_ = true;
  BatchScheduler scheduler(ranker, {});
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (ranker->call_sizes().empty()) std::this_thread::sleep_for(1ms);
  Job late = make_job("late", {"d"});
  late.deadline = Clock::now() + 1ms;
  auto expired = scheduler.submit(std::move(late));
  auto gone = scheduler.submit(make_job("gone", {"d"}));
  scheduler.cancel(gone);
  ASSERT_TRUE(gone->done());
  EXPECT_EQ(scheduler.in_flight(), 2u);  // first + expired; the cancelled one freed its slot
  std::this_thread::sleep_for(5ms);
  ranker->paused_ = false;
  ASSERT_TRUE(expired->wait_until(Clock::now() + 5s));
  try {
    expired->take();
    FAIL() << "expected Timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Timeout);
  }
  ASSERT_TRUE(first->wait_until(Clock::now() + 5s));
  EXPECT_EQ(ranker->call_sizes().size(), 1u);  // only `first` ran
  EXPECT_EQ(scheduler.stats().expired.load(), 1u);
  EXPECT_EQ(scheduler.stats().cancelled.load(), 1u);
}

TEST(BatchScheduler, OneBadRequestDoesNotFailTheOthersInItsBatch) {
  auto ranker = std::make_shared<FakeRanker>(0ms);
  ranker->paused_ = true;
  BatchScheduler scheduler(ranker, {});
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (ranker->call_sizes().empty()) std::this_thread::sleep_for(1ms);
  auto good1 = scheduler.submit(make_job("q", {"ok"}));
  auto bad = scheduler.submit(make_job("q", {"ok", "bad"}));
  auto good2 = scheduler.submit(make_job("q", {"fine"}));
  ranker->paused_ = false;
  for (auto* t : {&good1, &bad, &good2}) ASSERT_TRUE((*t)->wait_until(Clock::now() + 5s));
  EXPECT_EQ(good1->take().values.size(), 1u);
  EXPECT_EQ(good2->take().values.size(), 1u);
  try {
    bad->take();
    FAIL() << "expected InvalidInput";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
  }
}

TEST(BatchScheduler, DrainWaitsForAdmittedWorkAndRefusesNew) {
  auto ranker = std::make_shared<FakeRanker>(20ms);
  BatchScheduler scheduler(ranker, {});
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 5; ++i) tickets.push_back(scheduler.submit(make_job("q", {"d"})));
  EXPECT_TRUE(scheduler.drain(Clock::now() + 10s));
  for (auto& t : tickets) EXPECT_TRUE(t->done());
  EXPECT_THROW(scheduler.submit(make_job("q", {"d"})), Error);
}

TEST(BatchScheduler, ManyThreadsManyRequests) {
  auto ranker = std::make_shared<FakeRanker>(1ms);
  BatchSchedulerOptions options;
  options.workers = 2;
  options.max_queue = 1000;
  BatchScheduler scheduler(ranker, options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < 16; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < 20; ++i) {
        auto t = scheduler.submit(make_job("q", {std::string(static_cast<std::size_t>(c + 1), 'x')}));
        if (t->wait_until(Clock::now() + 10s) && t->take().values[0] == c + 1.01) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16 * 20);
  EXPECT_GT(scheduler.stats().mean_requests_per_batch(), 1.0);
  EXPECT_EQ(scheduler.stats().completed.load(), 320u);
}

}  // namespace
}  // namespace rerank::runtime
