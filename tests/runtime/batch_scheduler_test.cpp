// The server's request queue: model requests prepared at submit (real tokens, a bad one
// failing there alone), merged under the real-token budget, each with its own outcome and
// nothing rerun; rankers without a model one request per call on concurrent workers; the
// queue bound, deadlines, cancellation and draining. Fakes count every forward pass.
#include "runtime/batch_scheduler.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "engine/device_factory.hpp"
#include "rerank/error.hpp"
#include "runtime/served_model_ranker.hpp"

namespace rerank::runtime {
namespace {

using namespace std::chrono_literals;

// A model whose one output per sequence is (tokens - 1) + first id / 100; it records the
// sequences of each forward pass, sleeps `delay` per pass and can be paused.
class FakeModel final : public models::Model {
 public:
  explicit FakeModel(std::chrono::milliseconds delay) : delay_(delay), device_(engine::make_device({"cpu", 1})) {
    traits_.architecture = "FakeModel";
    traits_.max_sequence_length = 1 << 20;
  }
  const models::ModelTraits& traits() const override { return traits_; }
  const engine::Device& device() const override { return *device_; }
  void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                       std::span<const std::int32_t>) const override {
    if (batch.seq_starts.empty()) batch.seq_starts.push_back(0);
    batch.input_ids.insert(batch.input_ids.end(), ids.begin(), ids.end());
    batch.seq_starts.push_back(static_cast<std::int32_t>(batch.input_ids.size()));
  }
  std::vector<float> forward(engine::Session&, const engine::PackedBatch& batch) const override {
    {
      std::lock_guard lock(mutex_);
      pass_sizes_.push_back(batch.num_sequences());
    }
    while (paused_.load()) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(delay_);
    std::vector<float> out;
    for (std::size_t s = 0; s + 1 < batch.seq_starts.size(); ++s) {
      const auto first = batch.seq_starts[s], end = batch.seq_starts[s + 1];
      out.push_back(static_cast<float>(end - first - 1) + static_cast<float>(batch.input_ids[first]) / 100.0f);
    }
    return out;
  }
  double flops(std::size_t) const override { return 0; }
  std::vector<std::size_t> pass_sizes() const {
    std::lock_guard lock(mutex_);
    return pass_sizes_;
  }
  std::size_t sequences_run() const {
    std::size_t n = 0;
    for (std::size_t s : pass_sizes()) n += s;
    return n;
  }
  std::atomic<bool> paused_{false};

 private:
  std::chrono::milliseconds delay_;
  std::shared_ptr<const engine::Device> device_;
  models::ModelTraits traits_;
  mutable std::mutex mutex_;
  mutable std::vector<std::size_t> pass_sizes_;
};

// Prepares [query length, document bytes...]; a document "bad" cannot be prepared.
class FakeModelRanker final : public ModelRanker {
 public:
  explicit FakeModelRanker(const FakeModel& model, std::string spec = "fake") : model_(model) {
    info_.type = "fake";
    info_.spec = std::move(spec);
  }
  const RankerInfo& info() const override { return info_; }
  const models::Model& model() const override { return model_; }
  PreparedRequest prepare(std::string_view query, std::span<const std::string_view> documents,
                          const ScoreOptions&, bool) const override {
    PreparedRequest r;
    for (std::string_view d : documents) {
      if (d == "bad") throw Error(ErrorCode::InvalidInput, "document 'bad' is over the limit");
      PreparedSequence s;
      s.input_ids.push_back(static_cast<std::int32_t>(query.size()));
      for (char c : d) s.input_ids.push_back(static_cast<unsigned char>(c));
      s.token_type_ids.assign(s.input_ids.size(), 0);
      r.tokens += s.length();
      r.sequences.push_back(std::move(s));
    }
    return r;
  }
  double score(std::span<const float> outputs) const override { return std::round(outputs[0] * 100.0) / 100.0; }

 private:
  const FakeModel& model_;
  RankerInfo info_;
};

// A model ranker served by the runtime, as rerank::load makes one.
struct Served {
  explicit Served(std::chrono::milliseconds delay = 0ms, std::string spec = "fake")
      : model(std::make_unique<FakeModel>(delay)),
        ranker(std::make_shared<ServedModelRanker>(std::make_unique<FakeModelRanker>(*model, std::move(spec)),
                                                   1 << 20)) {}
  std::unique_ptr<FakeModel> model;
  std::shared_ptr<ServedModelRanker> ranker;
};

// A ranker without a model (an API): scores by length, sleeps per call, records how many
// calls run at once (score_many's default calls score_documents per query).
class FakeApiRanker final : public Ranker {
 public:
  explicit FakeApiRanker(std::chrono::milliseconds delay) : delay_(delay) { info_.type = "fake-api"; }
  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view, std::span<const Document> documents, const ScoreOptions&) const override {
    const int now = ++in_flight_;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(delay_);
    Scores s;
    for (const Document& d : documents) s.values.push_back(static_cast<double>(d.text.size()));
    --in_flight_;
    calls_ += 1;
    return s;
  }
  mutable std::atomic<int> in_flight_{0}, max_in_flight_{0}, calls_{0};

 private:
  RankerInfo info_;
  std::chrono::milliseconds delay_;
};

Job make_job(const std::string& query, std::vector<std::string> texts) {
  Job job;
  job.query = query;
  for (auto& t : texts) job.documents.push_back(Document{"", std::move(t), nlohmann::json::object()});
  return job;
}

TEST(BatchScheduler, ScoresComeBackInInputOrderWithDocuments) {
  Served served;
  BatchScheduler scheduler(served.ranker, {});
  auto ticket = scheduler.submit(make_job("q", {"aaa", "a", "aa"}));
  ASSERT_TRUE(ticket->wait_until(Clock::now() + 5s));
  Scores s = ticket->take();
  ASSERT_EQ(s.values.size(), 3u);
  EXPECT_DOUBLE_EQ(s.values[0], 3.01);
  EXPECT_DOUBLE_EQ(s.values[1], 1.01);
  EXPECT_DOUBLE_EQ(s.values[2], 2.01);
  ASSERT_EQ(ticket->job().documents.size(), 3u);  // handed back for the response
  EXPECT_EQ(ticket->job().documents[0].text, "aaa");
  EXPECT_EQ(ticket->tokens(), 4u + 2u + 3u);  // the real prepared tokens
}

TEST(BatchScheduler, MergesConcurrentRequestsIntoOneRun) {
  Served served;
  served.model->paused_ = true;
  BatchScheduler scheduler(served.ranker, {});
  // The first request occupies the worker; the next ten wait and must share one run.
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (served.model->pass_sizes().empty()) std::this_thread::sleep_for(1ms);
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 10; ++i) tickets.push_back(scheduler.submit(make_job("q" + std::to_string(i), {"doc", "d"})));
  served.model->paused_ = false;
  for (auto& t : tickets) {
    ASSERT_TRUE(t->wait_until(Clock::now() + 5s));
    Scores s = t->take();
    ASSERT_EQ(s.values.size(), 2u);
    EXPECT_DOUBLE_EQ(s.values[0], 3.02);  // each request gets its own query's scores
  }
  const auto sizes = served.model->pass_sizes();
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_EQ(sizes[1], 20u);  // ten requests of two documents in one forward pass
  EXPECT_NEAR(scheduler.stats().mean_requests_per_batch(), 5.5, 1e-9);
}

TEST(BatchScheduler, RealTokenBudgetAndRequestLimitSplitRuns) {
  Served served;
  served.model->paused_ = true;
  BatchSchedulerOptions options;
  options.max_batch_tokens = 4;  // each request below is 1 pair of 2 real tokens
  BatchScheduler scheduler(served.ranker, options);
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (served.model->pass_sizes().empty()) std::this_thread::sleep_for(1ms);
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 6; ++i) tickets.push_back(scheduler.submit(make_job("q", {"d"})));
  for (auto& t : tickets) EXPECT_EQ(t->tokens(), 2u);
  served.model->paused_ = false;
  for (auto& t : tickets) ASSERT_TRUE(t->wait_until(Clock::now() + 5s));
  const auto sizes = served.model->pass_sizes();
  ASSERT_EQ(sizes.size(), 4u);
  for (std::size_t i = 1; i < sizes.size(); ++i) EXPECT_EQ(sizes[i], 2u);

  // max_batch_requests = 1: one request per run, however many wait.
  Served one_at_a_time;
  one_at_a_time.model->paused_ = true;
  BatchSchedulerOptions single;
  single.max_batch_requests = 1;
  BatchScheduler one(one_at_a_time.ranker, single);
  std::vector<std::shared_ptr<Ticket>> more;
  for (int i = 0; i < 5; ++i) more.push_back(one.submit(make_job("q", {"d"})));
  one_at_a_time.model->paused_ = false;
  for (auto& t : more) ASSERT_TRUE(t->wait_until(Clock::now() + 5s));
  for (std::size_t s : one_at_a_time.model->pass_sizes()) EXPECT_EQ(s, 1u);
}

TEST(BatchScheduler, OversizedRequestRunsAloneAndLongerRequestsAreSkippedNotStarved) {
  Served served;
  served.model->paused_ = true;
  BatchSchedulerOptions options;
  options.max_batch_tokens = 12;
  BatchScheduler scheduler(served.ranker, options);
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (served.model->pass_sizes().empty()) std::this_thread::sleep_for(1ms);
  // big (far over budget) must still run; the small ones fit around it.
  auto big = scheduler.submit(make_job("q", std::vector<std::string>(10, "word")));
  auto s1 = scheduler.submit(make_job("q", {"d"}));
  auto s2 = scheduler.submit(make_job("q", {"d"}));
  served.model->paused_ = false;
  for (auto* t : {&big, &s1, &s2}) ASSERT_TRUE((*t)->wait_until(Clock::now() + 5s));
  EXPECT_EQ(big->take().values.size(), 10u);
  const auto sizes = served.model->pass_sizes();
  ASSERT_EQ(sizes.size(), 3u);
  EXPECT_EQ(sizes[1], 10u);  // big alone
  EXPECT_EQ(sizes[2], 2u);   // the two small ones together
}

// Options are applied when a request is prepared, so requests with different options
// share a run (the estimate-based scheduler could not merge them).
TEST(BatchScheduler, DifferentOptionsShareARun) {
  Served served;
  served.model->paused_ = true;
  BatchScheduler scheduler(served.ranker, {});
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (served.model->pass_sizes().empty()) std::this_thread::sleep_for(1ms);
  Job a = make_job("q", {"d"});
  Job b = make_job("q", {"d"});
  b.options.truncate = false;
  auto ta = scheduler.submit(std::move(a));
  auto tb = scheduler.submit(std::move(b));
  served.model->paused_ = false;
  ASSERT_TRUE(ta->wait_until(Clock::now() + 5s));
  ASSERT_TRUE(tb->wait_until(Clock::now() + 5s));
  EXPECT_EQ(served.model->pass_sizes().size(), 2u);
}

TEST(BatchScheduler, QueueBoundRejectsWithOverloaded) {
  Served served;
  served.model->paused_ = true;
  BatchSchedulerOptions options;
  options.max_queue = 3;
  BatchScheduler scheduler(served.ranker, options);
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 3; ++i) tickets.push_back(scheduler.submit(make_job("q", {"d"})));
  try {
    scheduler.submit(make_job("q", {"d"}));
    FAIL() << "expected Overloaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Overloaded);
  }
  EXPECT_EQ(scheduler.stats().rejected.load(), 1u);
  served.model->paused_ = false;
  for (auto& t : tickets) ASSERT_TRUE(t->wait_until(Clock::now() + 5s));
  // A worker frees the slots just after it hands out the results (so drain() never returns
  // before every result is out): give it that moment.
  for (int i = 0; i < 5000 && scheduler.in_flight() != 0; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(scheduler.in_flight(), 0u);
  EXPECT_NO_THROW(scheduler.submit(make_job("q", {"d"})));  // room again
}

TEST(BatchScheduler, ExpiredAndCancelledRequestsAreNeverComputed) {
  Served served;
  served.model->paused_ = true;
  BatchScheduler scheduler(served.ranker, {});
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (served.model->pass_sizes().empty()) std::this_thread::sleep_for(1ms);
  Job late = make_job("late", {"d"});
  late.deadline = Clock::now() + 1ms;
  auto expired = scheduler.submit(std::move(late));
  auto gone = scheduler.submit(make_job("gone", {"d"}));
  scheduler.cancel(gone);
  ASSERT_TRUE(gone->done());
  EXPECT_EQ(scheduler.in_flight(), 2u);  // first + expired; the cancelled one freed its slot
  std::this_thread::sleep_for(5ms);
  served.model->paused_ = false;
  ASSERT_TRUE(expired->wait_until(Clock::now() + 5s));
  try {
    expired->take();
    FAIL() << "expected Timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Timeout);
  }
  ASSERT_TRUE(first->wait_until(Clock::now() + 5s));
  EXPECT_EQ(served.model->pass_sizes().size(), 1u);  // only `first` ran
  EXPECT_EQ(scheduler.stats().expired.load(), 1u);
  EXPECT_EQ(scheduler.stats().cancelled.load(), 1u);
}

// A request that cannot be prepared fails at submit, before the queue; the others run once.
TEST(BatchScheduler, OneBadRequestFailsAloneAndNothingIsRerun) {
  Served served;
  served.model->paused_ = true;
  BatchScheduler scheduler(served.ranker, {});
  auto first = scheduler.submit(make_job("q", {"x"}));
  while (served.model->pass_sizes().empty()) std::this_thread::sleep_for(1ms);
  auto good1 = scheduler.submit(make_job("q", {"ok"}));
  try {
    scheduler.submit(make_job("q", {"ok", "bad"}));
    FAIL() << "expected InvalidInput";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
  }
  auto good2 = scheduler.submit(make_job("q", {"fine"}));
  served.model->paused_ = false;
  for (auto* t : {&good1, &good2}) ASSERT_TRUE((*t)->wait_until(Clock::now() + 5s));
  EXPECT_EQ(good1->take().values.size(), 1u);
  EXPECT_EQ(good2->take().values.size(), 1u);
  EXPECT_EQ(served.model->sequences_run(), 3u);  // first, good1, good2: each once
  EXPECT_EQ(scheduler.stats().failed.load(), 1u);
  for (int i = 0; i < 5000 && scheduler.in_flight() != 0; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(scheduler.in_flight(), 0u);
}

TEST(BatchScheduler, RankersWithoutAModelRunOneRequestPerCallOnConcurrentWorkers) {
  auto ranker = std::make_shared<FakeApiRanker>(100ms);
  BatchSchedulerOptions options;
  options.workers = 4;
  BatchScheduler scheduler(ranker, options);
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 8; ++i) tickets.push_back(scheduler.submit(make_job("q", {"abc"})));
  for (auto& t : tickets) {
    ASSERT_TRUE(t->wait_until(Clock::now() + 10s));
    EXPECT_EQ(t->take().values, std::vector<double>{3.0});
  }
  EXPECT_EQ(ranker->calls_.load(), 8);
  EXPECT_GT(ranker->max_in_flight_.load(), 1);
  EXPECT_LE(ranker->max_in_flight_.load(), 4);
  EXPECT_EQ(scheduler.stats().batch_requests_total.load(), 8u);
  EXPECT_EQ(scheduler.stats().batches.load(), 8u);
}

TEST(BatchScheduler, DrainWaitsForAdmittedWorkAndRefusesNew) {
  Served served(20ms);
  BatchScheduler scheduler(served.ranker, {});
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 5; ++i) tickets.push_back(scheduler.submit(make_job("q", {"d"})));
  EXPECT_TRUE(scheduler.drain(Clock::now() + 10s));
  for (auto& t : tickets) EXPECT_TRUE(t->done());
  EXPECT_THROW(scheduler.submit(make_job("q", {"d"})), Error);
}

TEST(BatchScheduler, ManyThreadsManyRequests) {
  Served served(1ms);
  BatchSchedulerOptions options;
  options.workers = 2;
  options.max_queue = 1000;
  BatchScheduler scheduler(served.ranker, options);
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

// `rerank serve --device cuda:0,cuda:1`: one model on two engines behind one queue. With
// both engines blocked inside a forward pass, two requests are in flight at once, one on
// each; every request still gets its own scores.
TEST(BatchScheduler, ReplicasRunBatchesAtOnceFromOneQueue) {
  Served a, b;
  a.model->paused_ = true;
  b.model->paused_ = true;
  BatchScheduler scheduler(std::vector<std::shared_ptr<const Ranker>>{a.ranker, b.ranker}, {});
  EXPECT_EQ(scheduler.replica_count(), 2u);
  auto first = scheduler.submit(make_job("q", {"xx"}));
  while (a.model->pass_sizes().size() + b.model->pass_sizes().size() < 1) std::this_thread::sleep_for(1ms);
  auto second = scheduler.submit(make_job("qq", {"yyy"}));
  const auto deadline = Clock::now() + 5s;
  while ((a.model->pass_sizes().size() < 1 || b.model->pass_sizes().size() < 1) && Clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(a.model->pass_sizes().size(), 1u) << "each replica runs one of the two waiting requests";
  EXPECT_EQ(b.model->pass_sizes().size(), 1u);
  a.model->paused_ = false;
  b.model->paused_ = false;
  ASSERT_TRUE(first->wait_until(Clock::now() + 5s));
  ASSERT_TRUE(second->wait_until(Clock::now() + 5s));
  EXPECT_DOUBLE_EQ(first->take().values.at(0), 2.01);
  EXPECT_DOUBLE_EQ(second->take().values.at(0), 3.02);
  // Many more requests from several threads: all answered, spread over both replicas.
  std::vector<std::shared_ptr<Ticket>> tickets;
  for (int i = 0; i < 40; ++i) tickets.push_back(scheduler.submit(make_job("q", {std::string(1 + i % 5, 'z')})));
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    ASSERT_TRUE(tickets[i]->wait_until(Clock::now() + 5s));
    EXPECT_DOUBLE_EQ(tickets[i]->take().values.at(0), static_cast<double>(1 + i % 5) + 0.01);
  }
  EXPECT_EQ(a.model->sequences_run() + b.model->sequences_run(), 42u);
  EXPECT_EQ(scheduler.stats().completed.load(), 42u);
  EXPECT_GE(scheduler.replica_batches(0), 1u);
  EXPECT_GE(scheduler.replica_batches(1), 1u);
  EXPECT_EQ(scheduler.replica_batches(0) + scheduler.replica_batches(1), scheduler.stats().batches.load());
  EXPECT_EQ(scheduler.replica_batches(0), a.model->pass_sizes().size());  // one forward pass per batch here
}

TEST(BatchScheduler, ReplicasMustBeOneModelRunOnDevices) {
  Served a, other(0ms, "another-model");
  auto api = std::make_shared<FakeApiRanker>(0ms);
  try {
    BatchScheduler scheduler(std::vector<std::shared_ptr<const Ranker>>{api, api}, {});
    FAIL() << "a ranker without a model took a device list";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("runs on no device"), std::string::npos) << e.what();
  }
  try {
    BatchScheduler scheduler(std::vector<std::shared_ptr<const Ranker>>{a.ranker, other.ranker}, {});
    FAIL() << "two different models shared one queue";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("another-model"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rerank::runtime
