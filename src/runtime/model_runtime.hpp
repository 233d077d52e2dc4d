// The run phase for every model ranker: one packer under one real-token budget, the
// session it runs on, and the merging of concurrent callers' work into shared forward passes.
//
// Callers hand in prepared requests (rankers/model_ranker.hpp: the exact model inputs) and
// wait. Whoever finds the runtime idle becomes its runner: it takes every request waiting at
// that moment, from any thread, packs their sequences back to back under the token budget,
// runs the batches and hands each request its outputs; then it takes what arrived meanwhile.
// So N library threads calling rank() on one ranker share forward passes, with no thread of
// the runtime's own. A request whose sequence the model refuses (an id outside the vocabulary)
// fails alone; the others in its batches are unaffected.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "engine/device.hpp"
#include "models/model.hpp"
#include "rankers/model_ranker.hpp"

namespace rerank::runtime {

// The real-token budget of one forward pass, named once. On a GPU a batch's fixed costs
// (kernel launches, one host synchronisation) are amortised over more tokens; its scratch
// (fp32 activations) is a few hundred MB for XLM-R large.
inline constexpr std::size_t kDefaultBatchTokens = 8192;
inline constexpr std::size_t kDefaultGpuBatchTokens = 32768;
// `requested` when set, else the default for `device` ("cpu", "cuda[:N]").
std::size_t batch_token_budget(std::size_t requested, const std::string& device);

// What the runtime did; atomics, read any time. Counts, not timings: tests assert them.
struct RuntimeCounters {
  std::atomic<std::uint64_t> requests{0};   // prepared requests run
  std::atomic<std::uint64_t> runs{0};       // times a runner took the waiting requests
  std::atomic<std::uint64_t> batches{0};    // forward passes
  std::atomic<std::uint64_t> sequences{0};  // sequences run
  std::atomic<std::uint64_t> tokens{0};     // real tokens run
  std::atomic<std::uint64_t> failed_requests{0};
};

// Every runtime of the process added together (what `rerank --runtime-stats` prints).
const RuntimeCounters& process_counters();

class ModelRuntime {
 public:
  // `model` must outlive the runtime (its ranker owns both). Error(InvalidArgument) for
  // lanes < 1 or more lanes than the device has threads (each lane needs one).
  ModelRuntime(const models::Model& model, std::size_t batch_tokens, int lanes = 1);
  ~ModelRuntime();
  ModelRuntime(const ModelRuntime&) = delete;
  ModelRuntime& operator=(const ModelRuntime&) = delete;

  // The model outputs of every sequence of `requests`: result[r][s]. Thread-safe; blocks
  // until they ran. Throws what the model threw for one of these requests (the first).
  std::vector<std::vector<std::vector<float>>> run(std::span<const PreparedRequest* const> requests);

  // As run(), with each request's own outcome: outputs[r], or errors[r] when the model
  // refused one of its sequences (the other requests are unaffected).
  struct Outcomes {
    std::vector<std::vector<std::vector<float>>> outputs;
    std::vector<std::exception_ptr> errors;
  };
  Outcomes run_each(std::span<const PreparedRequest* const> requests);

  std::size_t batch_tokens() const { return batch_tokens_; }
  int lanes() const { return lanes_; }
  const RuntimeCounters& counters() const { return counters_; }

 private:
  struct Work;
  struct Slot;
  struct Pass;
  void run_taken(std::vector<Work*>& taken);
  std::vector<Pass> pack(std::vector<Work*>& taken);
  void run_passes(std::vector<Pass>& passes);
  // On `session` (made when null: a lane's of `threads` threads, or with threads = 0 the
  // device's own on every thread).
  void run_pass(std::unique_ptr<engine::Session>& session, int threads, Pass& pass);

  const models::Model* model_;
  std::size_t batch_tokens_;
  int lanes_;
  // The runner's (one runner at a time): every thread of the device, for a run of one batch.
  std::unique_ptr<engine::Session> session_;
  // One per lane, threads / lanes each, made by the lane when it first runs a pass.
  std::vector<std::unique_ptr<engine::Session>> lane_sessions_;
  std::mutex errors_mutex_;  // two lanes may fail one request's sequences at once
  RuntimeCounters counters_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Work*> waiting_;
  bool running_ = false;
};

}  // namespace rerank::runtime
