#include "eval/runner/eval_runner.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <cmath>
#include <numeric>
#include <thread>

#include <fmt/format.h>

#include "eval/runner/latency_stats.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Candidates of one query: what the first stage returned, as rerankers see them.
struct Candidates {
  std::string qid;
  std::string query;
  std::vector<Document> docs;
};

// Orders candidates by the reranker's scores (descending); ties keep first-stage order.
// NaN scores sort last.
std::vector<trec_eval::RunEntry> rerank_order(const Candidates& c, const std::vector<double>& scores) {
  const std::vector<std::size_t> order = ranking_order(scores);
  std::vector<trec_eval::RunEntry> out;
  out.reserve(order.size());
  for (std::size_t i : order) out.push_back({c.docs[i].id, scores[i]});
  return out;
}

class Progress {
 public:
  Progress(std::ostream* out, double interval_s, std::size_t total) : out_(out), interval_s_(interval_s), total_(total) {}

  void update(std::size_t done, const std::vector<SystemRun>& systems, bool force) {
    if (!out_) return;
    const auto now = Clock::now();
    if (!force && std::chrono::duration<double>(now - last_).count() < interval_s_) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    std::string line = fmt::format("eval: {}/{} queries, {:.1f}s", done, total_, elapsed);
    if (done > 0 && done < total_) line += fmt::format(", ~{:.0f}s left", elapsed / static_cast<double>(done) * static_cast<double>(total_ - done));
    for (const SystemRun& s : systems) {
      if (s.latency_ms.empty()) continue;
      const LatencySummary l = summarize_latency(s.latency_ms);
      line += fmt::format(" | {} p50 {:.2f} ms", s.name, l.p50_ms);
    }
    *out_ << line << "\n";
    out_->flush();
  }

 private:
  std::ostream* out_;
  double interval_s_;
  std::size_t total_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
};

// Scores a chunk of queries with one reranker, each query its own call, up to
// `concurrency` calls in flight at once: a model ranker's runtime merges concurrent calls
// into shared forward passes (runtime/model_runtime.hpp), so eval needs no grouping of its
// own, and each query's latency is its own call's, queueing included, as a server would see
// it. Queries without candidates are not sent; they get an empty ranking and a 0 ms sample,
// so latency samples stay one per topic, in topic order.
void score_chunk(const RerankerSpec& reranker, SystemRun& system, const std::vector<Candidates>& chunk,
                 const ScoreOptions& options) {
  std::vector<Scores> scores(chunk.size());
  std::vector<double> ms(chunk.size(), 0.0);
  std::vector<std::exception_ptr> errors(chunk.size());
  const auto score_one = [&](std::size_t i) {
    if (chunk[i].docs.empty()) return;
    const auto start = Clock::now();
    try {
      scores[i] = reranker.ranker->score_documents(chunk[i].query, chunk[i].docs, options);
    } catch (...) {
      errors[i] = std::current_exception();
    }
    ms[i] = ms_since(start);
  };
  const auto chunk_start = Clock::now();
  if (chunk.size() == 1) {
    score_one(0);
  } else {
    std::vector<std::thread> threads;
    threads.reserve(chunk.size());
    for (std::size_t i = 0; i < chunk.size(); ++i) threads.emplace_back(score_one, i);
    for (std::thread& t : threads) t.join();
  }
  const double wall_ms = ms_since(chunk_start);
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    if (!errors[i]) continue;
    try {
      std::rethrow_exception(errors[i]);
    } catch (const Error& e) {
      throw Error(e.code(), "reranking query " + chunk[i].qid + " with " + reranker.spec + ": " + e.what());
    }
  }
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    const Candidates& c = chunk[i];
    system.latency_ms.push_back(ms[i]);
    if (c.docs.empty()) {
      system.run[c.qid];
      continue;
    }
    if (scores[i].values.size() != c.docs.size()) {
      throw Error(ErrorCode::Internal, reranker.spec + " returned " + std::to_string(scores[i].values.size()) +
                                           " scores for " + std::to_string(c.docs.size()) + " documents");
    }
    system.run[c.qid] = rerank_order(c, scores[i].values);
    system.pairs += c.docs.size();
    if (scores[i].usage.is_object()) {
      for (const auto& [key, value] : scores[i].usage.items()) {
        if (!value.is_number_unsigned()) continue;
        const std::uint64_t before = system.usage.value(key, std::uint64_t{0});
        system.usage[key] = before + value.get<std::uint64_t>();
      }
    }
  }
  system.busy_seconds += wall_ms / 1000.0;  // wall time: concurrent calls overlap
}

}  // namespace

std::vector<Topic> topics_to_evaluate(const Dataset& dataset, std::size_t max_queries) {
  std::vector<Topic> topics = judged_topics(dataset);
  if (max_queries > 0 && topics.size() > max_queries) topics.resize(max_queries);
  return topics;
}

std::vector<std::string> system_names(const std::vector<RerankerSpec>& rerankers) {
  std::vector<std::string> names = {"bm25-first-stage"};
  for (const RerankerSpec& r : rerankers) {
    std::string name = r.label;
    if (name.empty()) {
      std::error_code ec;
      std::filesystem::path path(r.spec);
      if (std::filesystem::is_directory(path, ec)) {
        if (!path.has_filename()) path = path.parent_path();  // "DIR/"
        name = path.filename().string();
      }
      if (name.empty()) name = r.spec;
    }
    const std::string base = name;
    for (int n = 2; std::find(names.begin(), names.end(), name) != names.end(); ++n) {
      name = base + "-" + std::to_string(n);
    }
    names.push_back(name);
  }
  return names;
}

std::vector<SystemRun> run_systems(const std::vector<Topic>& topics, const Bm25Searcher& searcher,
                                   const std::vector<RerankerSpec>& rerankers, const RunnerOptions& options) {
  if (options.top_k == 0) throw Error(ErrorCode::InvalidArgument, "--top-k must be at least 1");
  std::vector<SystemRun> systems(1 + rerankers.size());
  const std::vector<std::string> names = system_names(rerankers);
  systems[0].name = names[0];
  systems[0].model = "xapian-bm25";
  systems[0].type = "first-stage";
  systems[0].first_stage = true;
  for (std::size_t i = 0; i < rerankers.size(); ++i) {
    systems[i + 1].name = names[i + 1];
    systems[i + 1].model = rerankers[i].ranker->info().model;
    systems[i + 1].type = rerankers[i].ranker->info().type;
  }
  const std::size_t in_flight = std::max<std::size_t>(1, options.concurrency);
  Progress progress(options.progress, options.progress_interval_s, topics.size());
  std::vector<Candidates> batch;
  std::size_t done = 0;
  auto flush = [&] {
    for (std::size_t m = 0; m < rerankers.size(); ++m) {
      score_chunk(rerankers[m], systems[m + 1], batch, options.score_options);
    }
    done += batch.size();
    batch.clear();
    progress.update(done, systems, done == topics.size());
  };
  for (const Topic& topic : topics) {
    const auto start = Clock::now();
    std::vector<SearchHit> hits = searcher.search(topic.text, options.top_k);
    systems[0].latency_ms.push_back(ms_since(start));
    systems[0].busy_seconds += systems[0].latency_ms.back() / 1000.0;
    Candidates c{topic.id, topic.text, {}};
    std::vector<trec_eval::RunEntry>& first = systems[0].run[topic.id];
    first.reserve(hits.size());
    c.docs.reserve(hits.size());
    for (SearchHit& h : hits) {
      first.push_back({h.id, h.score});
      Document d;
      d.id = std::move(h.id);
      d.text = h.contents();
      if (!h.title.empty()) d.metadata["title"] = std::move(h.title);
      c.docs.push_back(std::move(d));
    }
    systems[0].pairs += hits.size();
    batch.push_back(std::move(c));
    if (batch.size() >= in_flight) flush();
  }
  if (!batch.empty()) flush();
  if (topics.empty()) progress.update(0, systems, true);
  return systems;
}

}  // namespace rerank::eval
