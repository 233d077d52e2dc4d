// The run phase (runtime/model_runtime.hpp): concurrent callers share forward passes, a
// request the model refuses fails alone, and the token budget bounds every batch. Counted
// with the runtime's counters, not timed.
#include "runtime/model_runtime.hpp"

#include <barrier>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "engine/device_factory.hpp"
#include "rerank/error.hpp"
#include "runtime/load.hpp"
#include "runtime/served_model_ranker.hpp"
#include "support/test_support.hpp"

namespace rerank::runtime {
namespace {

// One output per sequence: the sum of its ids. forward() takes `delay` (so that callers
// arriving meanwhile queue up), records each batch's token count and the most forward passes
// in flight at once, and fails a batch holding the id kFailingId. Ids must be >= 0.
constexpr std::int32_t kFailingId = 999;
class SummingModel final : public models::Model {
 public:
  explicit SummingModel(std::chrono::milliseconds delay, int threads = 1)
      : delay_(delay), device_(engine::make_device({"cpu", threads})) {
    traits_.architecture = "SummingModel";
    traits_.max_sequence_length = 64;
  }
  const models::ModelTraits& traits() const override { return traits_; }
  const engine::Device& device() const override { return *device_; }
  void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                       std::span<const std::int32_t>) const override {
    for (const std::int32_t id : ids) {
      if (id < 0) throw Error(ErrorCode::InvalidInput, "negative token id");  // before touching the batch
    }
    if (batch.seq_starts.empty()) batch.seq_starts.push_back(0);
    batch.input_ids.insert(batch.input_ids.end(), ids.begin(), ids.end());
    batch.seq_starts.push_back(static_cast<std::int32_t>(batch.input_ids.size()));
  }
  std::vector<float> forward(engine::Session&, const engine::PackedBatch& batch) const override {
    const int now = ++in_flight_;
    for (int seen = most_in_flight_.load(); now > seen && !most_in_flight_.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(delay_);
    --in_flight_;
    for (const std::int32_t id : batch.input_ids) {
      if (id == kFailingId) throw Error(ErrorCode::Backend, "the forward pass failed");
    }
    std::vector<float> out;
    for (std::size_t s = 0; s + 1 < batch.seq_starts.size(); ++s) {
      float sum = 0;
      for (auto t = batch.seq_starts[s]; t < batch.seq_starts[s + 1]; ++t) sum += static_cast<float>(batch.input_ids[t]);
      out.push_back(sum);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    batch_tokens_.push_back(batch.num_tokens());
    return out;
  }
  double flops(std::size_t tokens) const override { return static_cast<double>(tokens); }
  std::vector<std::size_t> batch_tokens() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batch_tokens_;
  }
  int most_in_flight() const { return most_in_flight_.load(); }

 private:
  std::chrono::milliseconds delay_;
  std::shared_ptr<const engine::Device> device_;
  models::ModelTraits traits_;
  mutable std::mutex mutex_;
  mutable std::vector<std::size_t> batch_tokens_;
  mutable std::atomic<int> in_flight_{0};
  mutable std::atomic<int> most_in_flight_{0};
};

PreparedRequest request_of(const std::vector<std::vector<std::int32_t>>& sequences) {
  PreparedRequest r;
  for (const auto& ids : sequences) {
    PreparedSequence s;
    s.input_ids = ids;
    s.token_type_ids.assign(ids.size(), 0);
    r.tokens += ids.size();
    r.sequences.push_back(std::move(s));
  }
  return r;
}

TEST(ModelRuntime, ConcurrentCallersShareForwardPasses) {
  const SummingModel model(std::chrono::milliseconds(300));
  ModelRuntime runtime(model, 1024);
  // The first caller runs alone (the runtime was idle); the other three arrive during its
  // 300 ms forward pass and are run together by whichever of them becomes the runner.
  std::vector<std::vector<std::vector<std::vector<float>>>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      if (t > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const PreparedRequest r = request_of({{t, 1}, {t, 2, 3}});
      const PreparedRequest* p = &r;
      results[t] = runtime.run({&p, 1});
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    ASSERT_EQ(results[t].size(), 1u);
    EXPECT_EQ(results[t][0][0], std::vector<float>{static_cast<float>(t + 1)});
    EXPECT_EQ(results[t][0][1], std::vector<float>{static_cast<float>(t + 5)});
  }
  EXPECT_EQ(runtime.counters().requests.load(), 4u);
  EXPECT_EQ(runtime.counters().sequences.load(), 8u);
  EXPECT_EQ(runtime.counters().runs.load(), 2u);
  EXPECT_EQ(runtime.counters().batches.load(), 2u) << "4 requests alone would take 4 forward passes";
}

TEST(ModelRuntime, ARefusedRequestFailsAloneAndNothingIsRerun) {
  const SummingModel model(std::chrono::milliseconds(0));
  ModelRuntime runtime(model, 1024);
  const PreparedRequest good1 = request_of({{1, 2}, {3}});
  const PreparedRequest bad = request_of({{4}, {-1, 5}});  // its second sequence is refused
  const PreparedRequest good2 = request_of({{6}});
  // Three callers' work taken by one runner: submit from one call so they share the run.
  const PreparedRequest* all[] = {&good1, &bad, &good2};
  EXPECT_THROW(runtime.run(all), Error);  // one call: the bad request's error is the call's
  const std::uint64_t sequences_after_mixed = runtime.counters().sequences.load();
  EXPECT_EQ(runtime.counters().failed_requests.load(), 1u);

  // Separate callers: the bad one throws, the good ones get their outputs, no sequence twice.
  std::vector<std::vector<float>> out1, out2;
  std::exception_ptr bad_error;
  std::thread t1([&] {
    const PreparedRequest* p = &good1;
    out1 = runtime.run({&p, 1})[0];
  });
  std::thread t2([&] {
    try {
      const PreparedRequest* p = &bad;
      runtime.run({&p, 1});
    } catch (...) {
      bad_error = std::current_exception();
    }
  });
  std::thread t3([&] {
    const PreparedRequest* p = &good2;
    out2 = runtime.run({&p, 1})[0];
  });
  t1.join();
  t2.join();
  t3.join();
  EXPECT_TRUE(bad_error);
  ASSERT_EQ(out1.size(), 2u);
  EXPECT_EQ(out1[0], std::vector<float>{3});
  EXPECT_EQ(out1[1], std::vector<float>{3});
  ASSERT_EQ(out2.size(), 1u);
  EXPECT_EQ(out2[0], std::vector<float>{6});
  // good1 (2 sequences), bad's first sequence (packed before its second was refused), good2.
  EXPECT_EQ(runtime.counters().sequences.load() - sequences_after_mixed, 4u);
  EXPECT_EQ(runtime.counters().failed_requests.load(), 2u);
}

TEST(ModelRuntime, TheTokenBudgetBoundsEveryBatch) {
  const SummingModel model(std::chrono::milliseconds(0));
  ModelRuntime runtime(model, 10);
  const PreparedRequest r = request_of({{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}});
  const PreparedRequest* p = &r;
  const auto out = runtime.run({&p, 1});
  ASSERT_EQ(out[0].size(), 5u);
  EXPECT_EQ(out[0][4], std::vector<float>{12});
  // 4+4 | 4+2 | 12 (a sequence over the budget runs alone).
  EXPECT_EQ(model.batch_tokens(), (std::vector<std::size_t>{8, 6, 12}));
}

TEST(ModelRuntime, LanesRunEqualBatchesAtOnce) {
  const SummingModel model(std::chrono::milliseconds(100), 2);
  ModelRuntime runtime(model, 10, 2);
  // 24 tokens: 3 batches by the budget of 10, so 4 (a multiple of the 2 lanes) of 6 tokens.
  const PreparedRequest r = request_of({{1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {4, 4, 4}, {5, 5, 5}, {6, 6, 6}, {7, 7, 7}, {8, 8, 8}});
  const PreparedRequest* p = &r;
  const auto out = runtime.run({&p, 1});
  ASSERT_EQ(out[0].size(), 8u);
  for (int s = 0; s < 8; ++s) EXPECT_EQ(out[0][s], std::vector<float>{3.0f * (s + 1)}) << s;
  std::vector<std::size_t> tokens = model.batch_tokens();
  EXPECT_EQ(tokens, (std::vector<std::size_t>{6, 6, 6, 6}));
  EXPECT_EQ(model.most_in_flight(), 2) << "two lanes, 100 ms passes: two should overlap";
  EXPECT_EQ(runtime.counters().batches.load(), 4u);
}

TEST(ModelRuntime, ARunOfOneBatchUsesOneLane) {
  const SummingModel model(std::chrono::milliseconds(20), 2);
  ModelRuntime runtime(model, 100, 2);
  const PreparedRequest r = request_of({{1, 2}, {3, 4}, {5}});
  const PreparedRequest* p = &r;
  const auto out = runtime.run({&p, 1});
  EXPECT_EQ(out[0][1], std::vector<float>{7});
  EXPECT_EQ(model.batch_tokens(), (std::vector<std::size_t>{5}));
  EXPECT_EQ(model.most_in_flight(), 1);
}

TEST(ModelRuntime, AFailedPassInOneLaneFailsOnlyItsRequests) {
  const SummingModel model(std::chrono::milliseconds(10), 2);
  ModelRuntime runtime(model, 4, 2);
  // Budget 4 and 4-token sequences: one sequence per pass, so the failing one's pass holds
  // only the bad request's sequence.
  const PreparedRequest good = request_of({{1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3}});
  const PreparedRequest bad = request_of({{4, 4, 4, 4}, {kFailingId, 0, 0, 0}});
  const PreparedRequest* all[] = {&good, &bad};
  const ModelRuntime::Outcomes outcomes = runtime.run_each(all);
  ASSERT_EQ(outcomes.errors.size(), 2u);
  EXPECT_FALSE(outcomes.errors[0]);
  EXPECT_TRUE(outcomes.errors[1]);
  EXPECT_EQ(outcomes.outputs[0][2], std::vector<float>{12});
  EXPECT_EQ(runtime.counters().batches.load(), 5u);
  EXPECT_EQ(runtime.counters().failed_requests.load(), 1u);
}

TEST(ModelRuntime, LanesNeedAThreadEach) {
  const SummingModel model(std::chrono::milliseconds(0), 2);
  EXPECT_THROW(ModelRuntime(model, 10, 0), Error);
  EXPECT_THROW(ModelRuntime(model, 10, 3), Error);
  EXPECT_NO_THROW(ModelRuntime(model, 10, 2));
  LoadOptions on_gpu;
  on_gpu.device = "cuda";
  on_gpu.lanes = 2;
  try {
    load("shape:minilm-l6", on_gpu);
    ADD_FAILURE() << "lanes on a GPU should be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("--lanes"), std::string::npos) << e.what();
  }
}

// A library user: 4 threads ranking with one loaded cross-encoder get what one thread gets.
TEST(ModelRuntime, LibraryThreadsOnOneRankerScoreAsOneThreadDoes) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  LoadOptions options;
  options.threads = 2;
  const std::unique_ptr<Ranker> ranker = load(dir.string(), options);
  std::vector<std::vector<Document>> requests(4);
  for (int t = 0; t < 4; ++t) {
    for (int d = 0; d < 20; ++d) {
      requests[t].push_back({std::to_string(d), "document " + std::to_string(d * (t + 1)) + " about foxes", {}});
    }
  }
  std::vector<Scores> alone;
  for (int t = 0; t < 4; ++t) alone.push_back(ranker->score_documents("what do foxes eat", requests[t]));
  const std::uint64_t requests_before = served_runtime(*ranker)->counters().requests.load();
  std::vector<Scores> together(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { together[t] = ranker->score_documents("what do foxes eat", requests[t]); });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    ASSERT_EQ(together[t].values.size(), alone[t].values.size());
    for (std::size_t d = 0; d < alone[t].values.size(); ++d) {
      EXPECT_NEAR(together[t].values[d], alone[t].values[d], 1e-5) << t << "/" << d;
    }
  }
  EXPECT_EQ(served_runtime(*ranker)->counters().requests.load() - requests_before, 4u);
}

// Lanes change where passes run, not what they compute: a real checkpoint, two lanes of one
// thread each against one pass at a time on two threads, over a request of many batches.
TEST(ModelRuntime, LanesScoreAsOnePassAtATimeDoes) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  LoadOptions options;
  options.threads = 2;
  options.batch_tokens = 64;
  const std::unique_ptr<Ranker> one = load(dir.string(), options);
  options.lanes = 2;
  const std::unique_ptr<Ranker> two = load(dir.string(), options);
  std::vector<Document> docs;
  for (int d = 0; d < 40; ++d) {
    docs.push_back({std::to_string(d), "document " + std::to_string(d * d) + " about foxes and what they eat", {}});
  }
  const Scores a = one->score_documents("what do foxes eat", docs);
  const Scores b = two->score_documents("what do foxes eat", docs);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (std::size_t d = 0; d < a.values.size(); ++d) EXPECT_NEAR(a.values[d], b.values[d], 1e-5) << d;
  EXPECT_GE(served_runtime(*two)->counters().batches.load(), 4u);
}

// A library user with a real checkpoint: while one thread's long request runs, three more
// threads call rank on the same loaded ranker; they wait for the runner and are then run
// together, in one run (counters, not timings: the long request only makes sure they arrive
// while it runs; `runs` says when it has started).
TEST(ModelRuntime, LibraryThreadsWaitingOnALoadedRankerShareOneRun) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  LoadOptions options;
  options.threads = 1;
  const std::unique_ptr<Ranker> ranker = load(dir.string(), options);
  const RuntimeCounters& counters = served_runtime(*ranker)->counters();
  std::vector<Document> long_request;
  std::string text;
  for (int w = 0; w < 120; ++w) text += "fox" + std::to_string(w % 17) + " ";
  for (int d = 0; d < 3000; ++d) long_request.push_back({std::to_string(d), text, {}});
  std::vector<std::vector<Document>> short_requests(3);
  for (int t = 0; t < 3; ++t) {
    for (int d = 0; d < 10; ++d) short_requests[t].push_back({std::to_string(d), "foxes eat berries " + std::to_string(d * (t + 1)), {}});
  }
  std::vector<Scores> alone;
  for (const auto& r : short_requests) alone.push_back(ranker->score_documents("what do foxes eat", r));

  const std::uint64_t runs_before = counters.runs.load(), requests_before = counters.requests.load();
  std::thread first([&] { ranker->score_documents("what do foxes eat", long_request); });
  while (counters.runs.load() == runs_before) std::this_thread::sleep_for(std::chrono::microseconds(200));
  std::vector<Scores> together(3);
  std::vector<std::thread> followers;
  for (int t = 0; t < 3; ++t) {
    followers.emplace_back([&, t] { together[t] = ranker->score_documents("what do foxes eat", short_requests[t]); });
  }
  first.join();
  for (auto& th : followers) th.join();
  EXPECT_EQ(counters.requests.load() - requests_before, 4u);
  EXPECT_EQ(counters.runs.load() - runs_before, 2u) << "the three waiting requests should be run together";
  for (int t = 0; t < 3; ++t) {
    ASSERT_EQ(together[t].values.size(), alone[t].values.size());
    for (std::size_t d = 0; d < alone[t].values.size(); ++d) {
      EXPECT_NEAR(together[t].values[d], alone[t].values[d], 1e-5) << t << "/" << d;
    }
  }
}

}  // namespace
}  // namespace rerank::runtime
