// The server's request queue in front of one Ranker: admission, deadlines, cancellation,
// drain, and the merging of concurrent requests.
//
// Callers submit() whole requests (a query and its documents). For a model ranker (served
// by the runtime: runtime/served_model_ranker.hpp) submit() runs the prepare phase on the
// caller's thread, before the queue: a request that cannot be prepared (over-long with
// truncate=false, invalid text) fails there, alone, and the others count its real tokens.
// Worker threads then take pending requests and run those that fit one real-token budget
// together through the runtime, each request getting its own outcome: nothing is rerun.
// Rankers without a model (BM25, hosted APIs) take one request per call, `workers` at once. Admission is bounded (Error(Overloaded) when full), each request has a deadline,
// and a request whose caller went away is dropped before it is computed.
//
// Thread-safety: every public method may be called from any thread. The scheduler owns all
// of its locks; Ticket has its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rankers/model_ranker.hpp"
#include "rerank/ranker.hpp"
#include "runtime/histogram.hpp"
#include "runtime/served_model_ranker.hpp"

namespace rerank::runtime {

using Clock = std::chrono::steady_clock;

struct BatchSchedulerOptions {
  std::size_t max_batch_tokens = 16384;  // real tokens of the requests merged into one run
  std::size_t max_batch_requests = 0;    // requests merged into one run; 0 = no limit, 1 = no batching
  std::size_t max_queue = 256;           // requests admitted and not finished (waiting + running)
  std::size_t lookahead = 64;            // pending requests scanned for ones that fit the budget
  std::size_t workers = 1;               // threads calling the ranker: for rankers without a model,
                                         // the requests run at once (they do not batch)
};

// One request's work. The query is measured once here, not per document.
struct Job {
  std::string query;
  std::vector<Document> documents;
  ScoreOptions options;
  Clock::time_point deadline = Clock::time_point::max();
};

// How a finished request went through the scheduler (for metrics and logs).
struct JobTiming {
  double queue_seconds = 0;     // submit -> its batch started
  double infer_seconds = 0;     // its batch's run
  std::size_t batch_requests = 0;
  std::size_t batch_pairs = 0;
  std::size_t tokens = 0;       // this request's tokens (see Ticket::tokens())
};

// The caller's handle on a submitted request.
class Ticket {
 public:
  // True once the result (or error) is there; waits at most until `until`.
  bool wait_until(Clock::time_point until);
  bool done() const;
  // The scores, or rethrows what the ranker (or the scheduler: Timeout, cancelled) threw.
  // Call once, after done().
  Scores take();
  const JobTiming& timing() const { return timing_; }
  // Real tokens of the prepared model input for a model ranker; 0 for rankers without a
  // model (BM25, hosted APIs), which report their usage with their scores (Scores::usage).
  std::size_t tokens() const { return tokens_; }
  // The submitted request, documents included (they are handed back after scoring). Read it
  // only after done().
  const Job& job() const { return job_; }

 private:
  friend class BatchScheduler;
  void finish(Scores scores, const JobTiming& timing);
  void fail(std::exception_ptr error);

  Job job_;
  std::optional<PreparedRequest> prepared_;  // model rankers: prepared at submit()
  std::size_t tokens_ = 0;
  Clock::time_point submitted_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::optional<Scores> scores_;
  std::exception_ptr error_;
  JobTiming timing_;
};

// Counters and histograms the scheduler keeps; all atomics, read them any time.
struct BatchSchedulerStats {
  std::atomic<std::uint64_t> submitted{0};
  std::atomic<std::uint64_t> rejected{0};    // queue full or draining
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> failed{0};      // the ranker threw, or the request could not be prepared
  std::atomic<std::uint64_t> cancelled{0};   // dropped before computing: caller gone
  std::atomic<std::uint64_t> expired{0};     // dropped before computing: deadline passed
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> batch_requests_total{0};
  std::atomic<std::uint64_t> batch_pairs_total{0};
  std::atomic<std::uint64_t> batch_tokens_total{0};
  Histogram queue_seconds{Histogram::latency_buckets()};
  Histogram tokenize_seconds{Histogram::latency_buckets()};
  Histogram infer_seconds{Histogram::latency_buckets()};
  Histogram batch_requests{Histogram::power_of_two_buckets(1024)};
  Histogram batch_tokens{Histogram::power_of_two_buckets(1 << 20)};

  // Mean requests merged per score_many call (0 before the first batch).
  double mean_requests_per_batch() const;
};

class BatchScheduler {
 public:
  BatchScheduler(std::shared_ptr<const Ranker> ranker, BatchSchedulerOptions options);
  // One model loaded on several devices (`rerank serve --device cuda:0,cuda:1`) behind one
  // queue: each replica has `workers` workers of its own, and a batch runs on whichever
  // replica's worker takes it. The first replica prepares requests (the text side is the same
  // for all). Error(InvalidArgument) unless every replica runs a model (ServedModelRanker)
  // loaded from the same spec at the same precision.
  BatchScheduler(std::vector<std::shared_ptr<const Ranker>> replicas, BatchSchedulerOptions options);
  // Stops the workers; requests still waiting fail with Error(Overloaded, "shutting down").
  ~BatchScheduler();
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  // Admits a request. Throws Error(Overloaded) when max_queue requests are already admitted
  // or the scheduler is draining.
  std::shared_ptr<Ticket> submit(Job job);

  // The caller no longer wants the result (client disconnected, deadline passed): a request
  // still waiting is removed now and never computed; one already running is left to finish.
  void cancel(const std::shared_ptr<Ticket>& ticket);

  // Stops admitting and waits until every admitted request has finished or `until` passed.
  // True when everything finished.
  bool drain(Clock::time_point until);

  std::size_t queued() const;     // waiting for a batch
  std::size_t in_flight() const;  // admitted and not finished (waiting + running)
  bool draining() const { return draining_.load(); }
  const Ranker& ranker() const { return *ranker_; }
  std::size_t replica_count() const { return replicas_.size(); }
  const Ranker& replica(std::size_t i) const { return *replicas_.at(i); }
  // Batches replica i ran (they add up to stats().batches): how the load spread.
  std::uint64_t replica_batches(std::size_t i) const { return replica_batches_[i].load(); }
  const BatchSchedulerOptions& options() const { return options_; }
  const BatchSchedulerStats& stats() const { return stats_; }

 private:
  void worker_loop(std::size_t replica);
  // Under mutex_: removes from pending_ a batch to run now (empty when nothing is runnable).
  std::vector<std::shared_ptr<Ticket>> take_batch_locked();
  void run_batch(std::vector<std::shared_ptr<Ticket>>& batch, std::size_t replica);
  void release(std::size_t count);

  std::vector<std::shared_ptr<const Ranker>> replicas_;
  std::vector<const ServedModelRanker*> served_replicas_;  // replicas_ as model rankers (null: no model)
  std::unique_ptr<std::atomic<std::uint64_t>[]> replica_batches_;
  const Ranker* ranker_ = nullptr;             // replicas_[0]
  const ServedModelRanker* served_ = nullptr;  // served_replicas_[0]: ranker_ when it runs a model
  BatchSchedulerOptions options_;
  BatchSchedulerStats stats_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;  // workers wait for pending work
  std::condition_variable idle_cv_;  // drain() waits for admitted_ == 0
  std::deque<std::shared_ptr<Ticket>> pending_;
  std::size_t admitted_ = 0;
  bool stopping_ = false;
  std::atomic<bool> draining_{false};
  std::vector<std::thread> workers_;
};

}  // namespace rerank::runtime
