#include "runtime/model_runtime.hpp"

#include "rerank/error.hpp"

namespace rerank::runtime {

namespace {

RuntimeCounters& process_counters_mutable() {
  static RuntimeCounters counters;
  return counters;
}

void add(std::atomic<std::uint64_t>& mine, std::atomic<std::uint64_t>& process, std::uint64_t n) {
  mine += n;
  process += n;
}

}  // namespace

const RuntimeCounters& process_counters() { return process_counters_mutable(); }

std::size_t batch_token_budget(std::size_t requested, const std::string& device) {
  if (requested > 0) return requested;
  return device.empty() || device == "cpu" ? kDefaultBatchTokens : kDefaultGpuBatchTokens;
}

// One caller's requests while they wait for a runner.
struct ModelRuntime::Work {
  std::span<const PreparedRequest* const> requests;
  Outcomes outcomes;  // one output list and one error slot per request
  bool done = false;
};

ModelRuntime::ModelRuntime(const models::Model& model, std::size_t batch_tokens)
    : model_(&model), batch_tokens_(batch_tokens) {
  if (batch_tokens_ == 0) throw Error(ErrorCode::InvalidArgument, "the batch token budget must be at least 1");
}

ModelRuntime::~ModelRuntime() = default;

std::vector<std::vector<std::vector<float>>> ModelRuntime::run(std::span<const PreparedRequest* const> requests) {
  Outcomes outcomes = run_each(requests);
  for (const std::exception_ptr& e : outcomes.errors) {
    if (e) std::rethrow_exception(e);
  }
  return std::move(outcomes.outputs);
}

ModelRuntime::Outcomes ModelRuntime::run_each(std::span<const PreparedRequest* const> requests) {
  Work work;
  work.requests = requests;
  std::unique_lock<std::mutex> lock(mutex_);
  waiting_.push_back(&work);
  while (!work.done) {
    if (running_) {
      cv_.wait(lock);
      continue;
    }
    // Become the runner for everything waiting now (this call's work among it).
    running_ = true;
    std::vector<Work*> taken(waiting_.begin(), waiting_.end());
    waiting_.clear();
    lock.unlock();
    try {
      run_taken(taken);
    } catch (...) {
      // Out of memory while packing, say: every request taken fails with it, and the runtime
      // stays usable (running_ is reset below).
      for (Work* w : taken) {
        w->outcomes.errors.resize(w->requests.size());
        for (auto& e : w->outcomes.errors) {
          if (!e) e = std::current_exception();
        }
      }
    }
    lock.lock();
    for (Work* w : taken) w->done = true;
    running_ = false;
    cv_.notify_all();
  }
  return std::move(work.outcomes);
}

void ModelRuntime::run_taken(std::vector<Work*>& taken) {
  RuntimeCounters& process = process_counters_mutable();
  add(counters_.runs, process.runs, 1);
  // Where each packed sequence's outputs go: (work, request, sequence).
  struct Slot {
    Work* work;
    std::size_t request;
    std::size_t sequence;
    std::exception_ptr& error() const { return work->outcomes.errors[request]; }
  };
  std::vector<Slot> slots;
  engine::PackedBatch batch;
  const std::size_t width = model_->traits().outputs_per_sequence;

  auto flush = [&] {
    if (slots.empty()) return;
    std::vector<float> out;
    try {
      if (!session_) session_ = model_->make_session();
      out = model_->forward(*session_, batch);
      if (out.size() != slots.size() * width) {
        throw Error(ErrorCode::Internal, "the model returned " + std::to_string(out.size()) + " outputs for " +
                                             std::to_string(slots.size()) + " sequences");
      }
    } catch (...) {
      // A failed forward pass fails every request with a sequence in it.
      for (const Slot& s : slots) {
        if (!s.error()) s.error() = std::current_exception();
      }
    }
    if (!out.empty()) {
      for (std::size_t i = 0; i < slots.size(); ++i) {
        const float* row = out.data() + i * width;
        slots[i].work->outcomes.outputs[slots[i].request][slots[i].sequence].assign(row, row + width);
      }
    }
    add(counters_.batches, process.batches, 1);
    add(counters_.sequences, process.sequences, slots.size());
    add(counters_.tokens, process.tokens, batch.num_tokens());
    slots.clear();
    batch = engine::PackedBatch();
  };

  for (Work* w : taken) {
    w->outcomes.outputs.resize(w->requests.size());
    w->outcomes.errors.resize(w->requests.size());
    for (std::size_t r = 0; r < w->requests.size(); ++r) {
      const PreparedRequest& request = *w->requests[r];
      std::exception_ptr& error = w->outcomes.errors[r];
      w->outcomes.outputs[r].resize(request.sequences.size());
      for (std::size_t s = 0; s < request.sequences.size(); ++s) {
        const PreparedSequence& seq = request.sequences[s];
        if (!slots.empty() && batch.num_tokens() + seq.length() > batch_tokens_) flush();
        // A sequence the model refuses fails only its request; the batch is left as it was
        // (Model::append_sequence's contract).
        try {
          model_->append_sequence(batch, seq.input_ids, seq.token_type_ids);
        } catch (...) {
          error = std::current_exception();
          break;
        }
        slots.push_back({w, r, s});
      }
    }
    add(counters_.requests, process.requests, w->requests.size());
  }
  flush();
  for (Work* w : taken) {
    for (const std::exception_ptr& e : w->outcomes.errors) {
      if (e) add(counters_.failed_requests, process.failed_requests, 1);
    }
  }
}

}  // namespace rerank::runtime
