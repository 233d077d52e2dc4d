#include "runtime/model_runtime.hpp"

#include <algorithm>
#include <system_error>
#include <thread>

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

ModelRuntime::ModelRuntime(const models::Model& model, std::size_t batch_tokens, int lanes)
    : model_(&model), batch_tokens_(batch_tokens), lanes_(lanes) {
  if (batch_tokens_ == 0) throw Error(ErrorCode::InvalidArgument, "the batch token budget must be at least 1");
  if (lanes_ < 1) throw Error(ErrorCode::InvalidArgument, "lanes must be at least 1");
  if (lanes_ > 1 && lanes_ > model.device().threads()) {
    throw Error(ErrorCode::InvalidArgument, std::to_string(lanes_) + " lanes need as many compute threads; this device has " +
                                                std::to_string(model.device().threads()));
  }
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

// Where a packed sequence's outputs go: (work, request, sequence).
struct ModelRuntime::Slot {
  Work* work;
  std::size_t request;
  std::size_t sequence;
  std::exception_ptr& error() const { return work->outcomes.errors[request]; }
};

// One forward pass: its packed sequences and their slots, in order.
struct ModelRuntime::Pass {
  engine::PackedBatch batch;
  std::vector<Slot> slots;
};

void ModelRuntime::run_taken(std::vector<Work*>& taken) {
  add(counters_.runs, process_counters_mutable().runs, 1);
  std::vector<Pass> passes = pack(taken);
  run_passes(passes);
  RuntimeCounters& process = process_counters_mutable();
  for (Work* w : taken) {
    for (const std::exception_ptr& e : w->outcomes.errors) {
      if (e) add(counters_.failed_requests, process.failed_requests, 1);
    }
  }
}

std::vector<ModelRuntime::Pass> ModelRuntime::pack(std::vector<Work*>& taken) {
  // The tokens a batch aims at: the budget, or with lanes and more than one batch's worth,
  // an equal share of a multiple of `lanes` batches, so the lanes finish together.
  std::size_t total = 0;
  for (const Work* w : taken) {
    for (const PreparedRequest* r : w->requests) {
      for (const PreparedSequence& seq : r->sequences) total += seq.length();
    }
  }
  std::size_t target = batch_tokens_;
  const auto lanes = static_cast<std::size_t>(lanes_);
  if (const std::size_t batches = (total + batch_tokens_ - 1) / batch_tokens_; lanes > 1 && batches > 1) {
    const std::size_t even = (batches + lanes - 1) / lanes * lanes;
    target = (total + even - 1) / even;
  }

  std::vector<Pass> passes(1);
  for (Work* w : taken) {
    w->outcomes.outputs.resize(w->requests.size());
    w->outcomes.errors.resize(w->requests.size());
    for (std::size_t r = 0; r < w->requests.size(); ++r) {
      const PreparedRequest& request = *w->requests[r];
      w->outcomes.outputs[r].resize(request.sequences.size());
      for (std::size_t s = 0; s < request.sequences.size(); ++s) {
        const PreparedSequence& seq = request.sequences[s];
        const std::size_t tokens = passes.back().batch.num_tokens();
        // A new batch past the budget, or once this sequence would take the batch further
        // past the target than stopping short of it leaves it (at target = budget the
        // first rule alone decides).
        if (!passes.back().slots.empty() &&
            (tokens + seq.length() > batch_tokens_ || tokens + seq.length() / 2 > target)) {
          passes.emplace_back();
        }
        // A sequence the model refuses fails only its request; the batch is left as it was
        // (Model::append_sequence's contract).
        try {
          model_->append_sequence(passes.back().batch, seq.input_ids, seq.token_type_ids);
        } catch (...) {
          w->outcomes.errors[r] = std::current_exception();
          break;
        }
        passes.back().slots.push_back({w, r, s});
      }
    }
    add(counters_.requests, process_counters_mutable().requests, w->requests.size());
  }
  if (passes.back().slots.empty()) passes.pop_back();
  return passes;
}

void ModelRuntime::run_passes(std::vector<Pass>& passes) {
  const std::size_t lanes = std::min(static_cast<std::size_t>(lanes_), passes.size());
  if (lanes <= 1) {
    for (Pass& pass : passes) run_pass(session_, 0, pass);
    return;
  }
  if (lane_sessions_.size() < lanes) lane_sessions_.resize(lanes);  // each lane makes its own
  const int threads = std::max(1, model_->device().threads() / lanes_);
  std::atomic<std::size_t> next{0};
  const auto lane = [&](std::size_t l) {
    for (std::size_t p = next.fetch_add(1); p < passes.size(); p = next.fetch_add(1)) {
      run_pass(lane_sessions_[l], threads, passes[p]);
    }
  };
  std::vector<std::thread> helpers;
  try {
    for (std::size_t l = 1; l < lanes; ++l) helpers.emplace_back(lane, l);
  } catch (const std::system_error&) {
    // No thread to be had: the lanes started (at least this one) run every pass.
  }
  lane(0);
  for (std::thread& h : helpers) h.join();
}

void ModelRuntime::run_pass(std::unique_ptr<engine::Session>& session, int threads, Pass& pass) {
  RuntimeCounters& process = process_counters_mutable();
  const std::size_t width = model_->traits().outputs_per_sequence;
  try {
    // Made on first use, inside the try: a session that cannot be made fails this pass's
    // requests like a failed forward pass.
    if (!session) session = threads > 0 ? model_->device().make_lane_session(threads) : model_->make_session();
    const std::vector<float> out = model_->forward(*session, pass.batch);
    if (out.size() != pass.slots.size() * width) {
      throw Error(ErrorCode::Internal, "the model returned " + std::to_string(out.size()) + " outputs for " +
                                           std::to_string(pass.slots.size()) + " sequences");
    }
    for (std::size_t i = 0; i < pass.slots.size(); ++i) {
      const Slot& slot = pass.slots[i];
      const float* row = out.data() + i * width;
      slot.work->outcomes.outputs[slot.request][slot.sequence].assign(row, row + width);
    }
  } catch (...) {
    // A failed forward pass fails every request with a sequence in it. Nothing escapes: a
    // helper lane's thread has no caller to throw to.
    std::lock_guard<std::mutex> lock(errors_mutex_);
    for (const Slot& s : pass.slots) {
      if (!s.error()) s.error() = std::current_exception();
    }
  }
  add(counters_.batches, process.batches, 1);
  add(counters_.sequences, process.sequences, pass.slots.size());
  add(counters_.tokens, process.tokens, pass.batch.num_tokens());
}

}  // namespace rerank::runtime
