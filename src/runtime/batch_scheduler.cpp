#include "runtime/batch_scheduler.hpp"

#include <algorithm>
#include <utility>

#include "rerank/error.hpp"

namespace rerank::runtime {

namespace {

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

// ---- Ticket

bool Ticket::wait_until(Clock::time_point until) {
  std::unique_lock lock(mutex_);
  return cv_.wait_until(lock, until, [this] { return done_; });
}

bool Ticket::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

Scores Ticket::take() {
  std::lock_guard lock(mutex_);
  if (!done_) throw Error(ErrorCode::Internal, "Ticket::take() called before the request finished");
  if (error_) std::rethrow_exception(error_);
  if (!scores_) throw Error(ErrorCode::Internal, "Ticket::take() called twice");
  Scores out = std::move(*scores_);
  scores_.reset();
  return out;
}

void Ticket::finish(Scores scores, const JobTiming& timing) {
  {
    std::lock_guard lock(mutex_);
    scores_ = std::move(scores);
    timing_ = timing;
    done_ = true;
  }
  cv_.notify_all();
}

void Ticket::fail(std::exception_ptr error) {
  {
    std::lock_guard lock(mutex_);
    error_ = std::move(error);
    done_ = true;
  }
  cv_.notify_all();
}

// ---- Stats

double BatchSchedulerStats::mean_requests_per_batch() const {
  const double n = static_cast<double>(batches.load());
  return n == 0 ? 0.0 : static_cast<double>(batch_requests_total.load()) / n;
}

// ---- BatchScheduler

BatchScheduler::BatchScheduler(std::shared_ptr<const Ranker> ranker, BatchSchedulerOptions options)
    : BatchScheduler(std::vector<std::shared_ptr<const Ranker>>{std::move(ranker)}, options) {}

BatchScheduler::BatchScheduler(std::vector<std::shared_ptr<const Ranker>> replicas, BatchSchedulerOptions options)
    : replicas_(std::move(replicas)), options_(options) {
  if (replicas_.empty() || !replicas_.front()) throw Error(ErrorCode::InvalidArgument, "BatchScheduler needs a ranker");
  if (options_.max_batch_tokens == 0) throw Error(ErrorCode::InvalidArgument, "--max-batch-tokens must be > 0");
  if (options_.max_queue == 0) throw Error(ErrorCode::InvalidArgument, "--max-queue must be > 0");
  ranker_ = replicas_.front().get();
  for (const auto& r : replicas_) served_replicas_.push_back(dynamic_cast<const ServedModelRanker*>(r.get()));
  served_ = served_replicas_.front();
  if (replicas_.size() > 1) {
    for (const ServedModelRanker* served : served_replicas_) {
      if (!served) {
        throw Error(ErrorCode::InvalidArgument, "'" + ranker_->info().spec +
                                                    "' runs on no device (BM25, hosted APIs): it takes one device, "
                                                    "not a list");
      }
      if (served->info().spec != ranker_->info().spec || served->info().precision != ranker_->info().precision) {
        throw Error(ErrorCode::InvalidArgument, "replicas of one queue must be one model at one precision, not '" +
                                                    ranker_->info().spec + "' (" + ranker_->info().precision +
                                                    ") and '" + served->info().spec + "' (" +
                                                    served->info().precision + ")");
      }
    }
  }
  replica_batches_ = std::make_unique<std::atomic<std::uint64_t>[]>(replicas_.size());
  options_.workers = std::max<std::size_t>(options_.workers, 1);
  options_.lookahead = std::max<std::size_t>(options_.lookahead, 1);
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    for (std::size_t i = 0; i < options_.workers; ++i) workers_.emplace_back([this, r] { worker_loop(r); });
  }
}

BatchScheduler::~BatchScheduler() {
  std::deque<std::shared_ptr<Ticket>> orphans;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    orphans.swap(pending_);
    admitted_ -= orphans.size();
  }
  work_cv_.notify_all();
  idle_cv_.notify_all();
  for (auto& t : orphans) {
    t->fail(std::make_exception_ptr(Error(ErrorCode::Overloaded, "the server is shutting down; retry")));
  }
  for (auto& w : workers_) w.join();
}

std::shared_ptr<Ticket> BatchScheduler::submit(Job job) {
  const Clock::time_point start = Clock::now();
  auto ticket = std::make_shared<Ticket>();
  if (served_) {
    // The prepare phase, before the queue: a request that cannot be prepared fails here.
    try {
      ticket->prepared_ = served_->prepare(job.query, job.documents, job.options);
    } catch (...) {
      stats_.failed.fetch_add(1);
      throw;
    }
    ticket->tokens_ = ticket->prepared_->tokens;
  }  // Rankers without a model report their own usage with their scores (Scores::usage).
  ticket->job_ = std::move(job);
  ticket->submitted_ = Clock::now();
  stats_.tokenize_seconds.observe(seconds_between(start, ticket->submitted_));
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || draining_.load()) {
      stats_.rejected.fetch_add(1);
      throw Error(ErrorCode::Overloaded, "the server is shutting down; retry on another replica");
    }
    if (admitted_ >= options_.max_queue) {
      stats_.rejected.fetch_add(1);
      throw Error(ErrorCode::Overloaded, "the server is busy: " + std::to_string(admitted_) +
                                             " requests queued (--max-queue); retry later");
    }
    ++admitted_;
    pending_.push_back(ticket);
  }
  stats_.submitted.fetch_add(1);
  work_cv_.notify_one();
  return ticket;
}

void BatchScheduler::cancel(const std::shared_ptr<Ticket>& ticket) {
  if (!ticket) return;
  ticket->cancelled_.store(true);
  bool removed = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find(pending_.begin(), pending_.end(), ticket);
    if (it != pending_.end()) {
      pending_.erase(it);
      removed = true;
    }
  }
  if (removed) {
    stats_.cancelled.fetch_add(1);
    ticket->fail(std::make_exception_ptr(Error(ErrorCode::Timeout, "the request was cancelled")));
    release(1);
  }
}

bool BatchScheduler::drain(Clock::time_point until) {
  draining_.store(true);
  std::unique_lock lock(mutex_);
  return idle_cv_.wait_until(lock, until, [this] { return admitted_ == 0; });
}

std::size_t BatchScheduler::queued() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

std::size_t BatchScheduler::in_flight() const {
  std::lock_guard lock(mutex_);
  return admitted_;
}

void BatchScheduler::release(std::size_t count) {
  if (count == 0) return;
  bool idle = false;
  {
    std::lock_guard lock(mutex_);
    admitted_ -= count;
    idle = admitted_ == 0;
  }
  if (idle) idle_cv_.notify_all();
}

void BatchScheduler::worker_loop(std::size_t replica) {
  for (;;) {
    std::vector<std::shared_ptr<Ticket>> batch;
    {
      std::unique_lock lock(mutex_);
      work_cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      batch = take_batch_locked();
    }
    if (!batch.empty()) run_batch(batch, replica);
  }
}

std::vector<std::shared_ptr<Ticket>> BatchScheduler::take_batch_locked() {
  const Clock::time_point now = Clock::now();
  std::vector<std::shared_ptr<Ticket>> batch;
  std::vector<std::shared_ptr<Ticket>> expired;
  std::deque<std::shared_ptr<Ticket>> skipped;  // looked at, not taken: they keep their place
  std::size_t tokens = 0;
  std::size_t scanned = 0;
  // Rankers without a model score one request per call (they do not batch).
  const std::size_t max_requests = served_ ? options_.max_batch_requests : 1;
  // FIFO head first (so nothing starves), then later requests that fit the remaining budget
  // with the same options: short requests fill the gaps a long one leaves.
  while (!pending_.empty() && scanned < options_.lookahead) {
    if (max_requests > 0 && batch.size() >= max_requests) break;
    std::shared_ptr<Ticket> t = std::move(pending_.front());
    pending_.pop_front();
    ++scanned;
    if (t->job_.deadline <= now) {
      expired.push_back(std::move(t));
      continue;
    }
    if (batch.empty()) {
      tokens = t->tokens_;
      batch.push_back(std::move(t));
      continue;
    }
    // Prepared requests carry their options in their model input: any of them may share a run.
    if (tokens + t->tokens_ <= options_.max_batch_tokens) {
      tokens += t->tokens_;
      batch.push_back(std::move(t));
    } else {
      skipped.push_back(std::move(t));
    }
  }
  pending_.insert(pending_.begin(), std::make_move_iterator(skipped.begin()),
                  std::make_move_iterator(skipped.end()));
  if (!expired.empty()) {
    admitted_ -= expired.size();
    stats_.expired.fetch_add(expired.size());
    for (auto& t : expired) {
      t->fail(std::make_exception_ptr(
          Error(ErrorCode::Timeout, "the request waited past its deadline (--timeout) before it could run")));
    }
    if (admitted_ == 0) idle_cv_.notify_all();
  }
  // More work left for another worker?
  if (!pending_.empty()) work_cv_.notify_one();
  return batch;
}

void BatchScheduler::run_batch(std::vector<std::shared_ptr<Ticket>>& batch, std::size_t replica) {
  const Clock::time_point start = Clock::now();
  std::size_t pairs = 0;
  std::size_t tokens = 0;
  for (auto& t : batch) {
    pairs += t->job_.documents.size();
    tokens += t->tokens_;
  }
  // Each request's own outcome: one refused by the model fails alone, nothing is rerun.
  std::vector<Scores> scores(batch.size());
  std::vector<std::exception_ptr> errors(batch.size());
  try {
    if (served_) {
      std::vector<const PreparedRequest*> prepared;
      for (auto& t : batch) prepared.push_back(&*t->prepared_);
      std::vector<ServedModelRanker::ScoredRequest> scored = served_replicas_[replica]->score_prepared(prepared);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        scores[i] = std::move(scored[i].scores);
        errors[i] = scored[i].error;
      }
    } else {
      // One request per call (take_batch_locked): its own error is the call's.
      for (std::size_t i = 0; i < batch.size(); ++i) {
        try {
          const Job& job = batch[i]->job_;
          std::vector<Scores> one = ranker_->score_many(std::span<const std::string>(&job.query, 1),
                                                        std::span<const std::vector<Document>>(&job.documents, 1),
                                                        job.options);
          if (one.size() != 1) throw Error(ErrorCode::Internal, "score_many returned the wrong number of lists");
          scores[i] = std::move(one[0]);
        } catch (...) {
          errors[i] = std::current_exception();
        }
      }
    }
  } catch (...) {
    for (auto& e : errors) e = std::current_exception();  // the run itself failed (a backend error)
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!errors[i] && scores[i].values.size() != batch[i]->job_.documents.size()) {
      errors[i] = std::make_exception_ptr(Error(ErrorCode::Internal, "the ranker returned the wrong number of scores"));
    }
  }
  const Clock::time_point end = Clock::now();
  const double infer = seconds_between(start, end);

  stats_.batches.fetch_add(1);
  replica_batches_[replica].fetch_add(1);
  stats_.batch_requests_total.fetch_add(batch.size());
  stats_.batch_pairs_total.fetch_add(pairs);
  stats_.batch_tokens_total.fetch_add(tokens);
  stats_.batch_requests.observe(static_cast<double>(batch.size()));
  stats_.batch_tokens.observe(static_cast<double>(tokens));
  stats_.infer_seconds.observe(infer);

  for (std::size_t i = 0; i < batch.size(); ++i) {
    Ticket& t = *batch[i];
    t.prepared_.reset();
    JobTiming timing;
    timing.queue_seconds = seconds_between(t.submitted_, start);
    timing.infer_seconds = infer;
    timing.batch_requests = batch.size();
    timing.batch_pairs = pairs;
    timing.tokens = t.tokens_;
    stats_.queue_seconds.observe(timing.queue_seconds);
    if (errors[i]) {
      stats_.failed.fetch_add(1);
      t.timing_ = timing;
      t.fail(errors[i]);
    } else {
      stats_.completed.fetch_add(1);
      t.finish(std::move(scores[i]), timing);
    }
  }
  release(batch.size());
}

}  // namespace rerank::runtime
