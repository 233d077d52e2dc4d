#include "serve/metrics.hpp"

#include <sstream>

namespace rerank::serve {

namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void write_histogram(std::ostringstream& os, const std::string& name, const std::string& help,
                     const std::string& labels, const runtime::Histogram& h, bool header) {
  const runtime::Histogram::Snapshot s = h.snapshot();
  if (header) {
    os << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
  }
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i < s.upper_bounds.size(); ++i) {
    os << name << "_bucket{" << labels << sep << "le=\"" << s.upper_bounds[i] << "\"} " << s.cumulative[i] << "\n";
  }
  os << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << s.count << "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  os << name << "_sum" << braces << " " << s.sum << "\n";
  os << name << "_count" << braces << " " << s.count << "\n";
}

}  // namespace

void ServerMetrics::record(const std::string& endpoint, int status, double seconds) {
  {
    std::lock_guard lock(mutex_);
    ++requests_[{endpoint, status}];
  }
  request_seconds_.observe(seconds);
}

std::string ServerMetrics::render(const ModelTable& models) const {
  std::ostringstream os;
  os.precision(10);
  os << "# HELP rerank_http_requests_total HTTP requests by endpoint and status.\n"
        "# TYPE rerank_http_requests_total counter\n";
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, count] : requests_) {
      os << "rerank_http_requests_total{endpoint=\"" << escape_label(key.first) << "\",status=\"" << key.second
         << "\"} " << count << "\n";
    }
  }
  write_histogram(os, "rerank_http_request_seconds", "End-to-end time of rerank requests.", "", request_seconds_,
                  true);

  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t (*get)(const runtime::BatchSchedulerStats&);
  };
  static const Counter counters[] = {
      {"rerank_requests_admitted_total", "Requests admitted to the scheduler queue.",
       [](const runtime::BatchSchedulerStats& s) { return s.submitted.load(); }},
      {"rerank_requests_rejected_total", "Requests refused because the queue was full or draining (429).",
       [](const runtime::BatchSchedulerStats& s) { return s.rejected.load(); }},
      {"rerank_requests_completed_total", "Requests scored.",
       [](const runtime::BatchSchedulerStats& s) { return s.completed.load(); }},
      {"rerank_requests_failed_total", "Requests whose scoring failed.",
       [](const runtime::BatchSchedulerStats& s) { return s.failed.load(); }},
      {"rerank_requests_cancelled_total", "Requests dropped before scoring because the client went away.",
       [](const runtime::BatchSchedulerStats& s) { return s.cancelled.load(); }},
      {"rerank_requests_expired_total", "Requests dropped before scoring because their deadline passed.",
       [](const runtime::BatchSchedulerStats& s) { return s.expired.load(); }},
      {"rerank_batches_total", "Forward batches (score_many calls).",
       [](const runtime::BatchSchedulerStats& s) { return s.batches.load(); }},
      {"rerank_batch_requests_total", "Requests summed over forward batches.",
       [](const runtime::BatchSchedulerStats& s) { return s.batch_requests_total.load(); }},
      {"rerank_batch_pairs_total", "Query-document pairs summed over forward batches.",
       [](const runtime::BatchSchedulerStats& s) { return s.batch_pairs_total.load(); }},
      {"rerank_batch_tokens_total", "Estimated tokens summed over forward batches.",
       [](const runtime::BatchSchedulerStats& s) { return s.batch_tokens_total.load(); }},
  };
  for (const Counter& c : counters) {
    os << "# HELP " << c.name << " " << c.help << "\n# TYPE " << c.name << " counter\n";
    for (const ServedModel& m : models.models()) {
      os << c.name << "{model=\"" << escape_label(m.name) << "\"} " << c.get(m.scheduler->stats()) << "\n";
    }
  }
  os << "# HELP rerank_engine_batches_total Forward batches by engine (one per device of --device, in "
        "/v1/models' order).\n# TYPE rerank_engine_batches_total counter\n";
  for (const ServedModel& m : models.models()) {
    for (std::size_t e = 0; e < m.scheduler->replica_count(); ++e) {
      os << "rerank_engine_batches_total{model=\"" << escape_label(m.name) << "\",engine=\"" << e << "\"} "
         << m.scheduler->replica_batches(e) << "\n";
    }
  }
  os << "# HELP rerank_queue_depth Requests waiting for a batch.\n# TYPE rerank_queue_depth gauge\n";
  for (const ServedModel& m : models.models()) {
    os << "rerank_queue_depth{model=\"" << escape_label(m.name) << "\"} " << m.scheduler->queued() << "\n";
  }
  os << "# HELP rerank_in_flight_requests Requests admitted and not finished.\n"
        "# TYPE rerank_in_flight_requests gauge\n";
  for (const ServedModel& m : models.models()) {
    os << "rerank_in_flight_requests{model=\"" << escape_label(m.name) << "\"} " << m.scheduler->in_flight() << "\n";
  }
  os << "# HELP rerank_batch_requests_mean Mean requests merged into one forward batch.\n"
        "# TYPE rerank_batch_requests_mean gauge\n";
  for (const ServedModel& m : models.models()) {
    os << "rerank_batch_requests_mean{model=\"" << escape_label(m.name) << "\"} "
       << m.scheduler->stats().mean_requests_per_batch() << "\n";
  }
  struct Hist {
    const char* name;
    const char* help;
    const runtime::Histogram& (*get)(const runtime::BatchSchedulerStats&);
  };
  static const Hist hists[] = {
      {"rerank_queue_seconds", "Time from admission to the start of the request's batch.",
       [](const runtime::BatchSchedulerStats& s) -> const runtime::Histogram& { return s.queue_seconds; }},
      {"rerank_tokenize_seconds", "Time measuring a request's tokens for the batch budget.",
       [](const runtime::BatchSchedulerStats& s) -> const runtime::Histogram& { return s.tokenize_seconds; }},
      {"rerank_infer_seconds", "Time of one forward batch (score_many, the ranker's tokenisation included).",
       [](const runtime::BatchSchedulerStats& s) -> const runtime::Histogram& { return s.infer_seconds; }},
      {"rerank_batch_requests", "Requests per forward batch.",
       [](const runtime::BatchSchedulerStats& s) -> const runtime::Histogram& { return s.batch_requests; }},
      {"rerank_batch_tokens", "Estimated tokens per forward batch.",
       [](const runtime::BatchSchedulerStats& s) -> const runtime::Histogram& { return s.batch_tokens; }},
  };
  for (const Hist& h : hists) {
    bool header = true;
    for (const ServedModel& m : models.models()) {
      write_histogram(os, h.name, h.help, "model=\"" + escape_label(m.name) + "\"", h.get(m.scheduler->stats()),
                      header);
      header = false;
    }
  }
  return os.str();
}

}  // namespace rerank::serve
