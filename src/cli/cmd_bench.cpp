// rerank bench: end-to-end throughput of a cross-encoder on real passages, built the way
// ../shared/tools/peer_bench.py builds them (query i//100 with document (7i mod 2000) of
// the first 2,000 corpus passages), so the numbers compare with PyTorch and ONNX Runtime.
// Prints pairs/s, tokens/s, achieved GFLOP/s, the measured GEMM peak of this machine and
// the ratio, and peak RSS.
#include <sys/resource.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "core/json_parse.hpp"
#include "engine/device_factory.hpp"
#include "eval/runner/latency_stats.hpp"
#include "runtime/served_model_ranker.hpp"

namespace fs = std::filesystem;

namespace rerank::cli {

namespace {

struct BenchArgs {
  std::string model;
  std::string data;
  std::size_t pairs = 1000;
  int repeat = 1;
  bool skip_peak = false;
  bool latency = false;                // --latency: small requests one at a time instead
  std::size_t requests = 200;          // --requests
  std::size_t docs_per_request = 32;   // --docs-per-request
  std::string dump_ids;                // --dump-ids: the pairs' token ids as JSONL, for a peer
  ModelFlags flags;
};

std::string strip(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n\f\v");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n\f\v");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> read_queries(const fs::path& dir) {
  fs::path path = dir / "queries.test.jsonl";
  if (!fs::exists(path)) path = dir / "queries.jsonl";
  std::ifstream in(path);
  if (!in) throw CliError(kExitInput, "no queries.test.jsonl or queries.jsonl in " + dir.string());
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (strip(line).empty()) continue;
    nlohmann::json j;
    try {
      j = parse_json(line, path.string());
    } catch (const Error& e) {
      throw CliError(kExitInput, e.what());
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      throw CliError(kExitInput, path.string() + ": a line lacks a string \"text\"");
    }
    out.push_back(j["text"].get<std::string>());
  }
  return out;
}

std::vector<std::string> read_passages(const fs::path& dir, std::size_t limit) {
  const fs::path path = dir / "corpus.jsonl.gz";
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) throw CliError(kExitInput, "cannot open " + path.string());
  std::vector<std::string> out;
  std::string line;
  char buf[1 << 16];
  auto take = [&] {
    if (strip(line).empty()) return;
    nlohmann::json j;
    try {
      j = parse_json(line, "corpus line");
    } catch (const Error&) {
      return;  // as before: a line that is not a document is passed over
    }
    if (j.is_object() && j.contains("text") && j["text"].is_string()) {
      const std::string title = j.contains("title") && j["title"].is_string() ? j["title"].get<std::string>() : "";
      out.push_back(strip(title + ". " + j["text"].get<std::string>()));
    }
  };
  while (out.size() < limit && gzgets(gz, buf, sizeof(buf))) {
    line += buf;
    if (!line.empty() && line.back() == '\n') {
      take();
      line.clear();
    }
  }
  if (out.size() < limit && !line.empty()) take();
  gzclose(gz);
  if (out.empty()) throw CliError(kExitInput, path.string() + " holds no passages");
  return out;
}

double peak_rss_mib() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// --latency: what one client waits for one request of `docs_per_request` passages, one
// request at a time. Cold: the first request after loading (one sample). Warm: `requests`
// requests after one served, each a different query and passages. Tokenisation: the same
// requests' prepare phase alone (template, tokenizer, truncation), timed apart.
void run_latency_bench(const BenchArgs& args, const std::vector<std::string>& queries,
                       const std::vector<std::string>& passages, Ranker& ranker) {
  if (args.requests == 0 || args.docs_per_request == 0) {
    throw CliError(kExitUsage, "--requests and --docs-per-request must be at least 1");
  }
  const auto request_docs = [&](std::size_t r) {
    std::vector<Document> docs;
    for (std::size_t d = 0; d < args.docs_per_request; ++d) {
      const std::size_t i = r * args.docs_per_request + d;
      docs.push_back({std::to_string(i), passages[(i * 7) % passages.size()], {}});
    }
    return docs;
  };
  const auto t_cold = std::chrono::steady_clock::now();
  ranker.score_documents(queries[0], request_docs(0));
  const double cold_ms = ms_since(t_cold);
  ranker.score_documents(queries[1 % queries.size()], request_docs(1));  // one served before
  std::vector<double> warm, prepare;
  const ModelRanker* model = runtime::served_model_ranker(ranker);
  for (std::size_t r = 0; r < args.requests; ++r) {
    const std::vector<Document> docs = request_docs(r + 2);
    const std::string& query = queries[(r + 2) % queries.size()];
    const auto t0 = std::chrono::steady_clock::now();
    const Scores s = ranker.score_documents(query, docs);
    warm.push_back(ms_since(t0));
    for (const double v : s.values) {
      if (!std::isfinite(v)) throw CliError(kExitInternal, "a score is not finite");
    }
    if (model) {
      std::vector<std::string_view> views;
      for (const Document& d : docs) views.push_back(d.text);
      const auto t1 = std::chrono::steady_clock::now();
      (void)model->prepare(query, views, ScoreOptions{});
      prepare.push_back(ms_since(t1));
    }
  }
  const eval::LatencySummary w = eval::summarize_latency(warm);
  std::cout << fmt::format("model        {}  ({})\n", args.model, ranker.info().model);
  std::cout << fmt::format("device       {}   lanes {}\n", ranker.info().device, args.flags.lanes);
  std::cout << fmt::format("requests     {} warm, 1 query x {} passages each, one at a time\n", args.requests,
                           args.docs_per_request);
  std::cout << fmt::format("cold         {:.2f} ms (the first request after loading)\n", cold_ms);
  std::cout << fmt::format("warm         p50 {:.2f} ms   p95 {:.2f} ms   p99 {:.2f} ms   mean {:.2f} ms\n", w.p50_ms,
                           w.p95_ms, w.p99_ms, w.mean_ms);
  nlohmann::json j = {{"model", args.model},
                      {"lanes", args.flags.lanes},
                      {"requests", args.requests},
                      {"docs_per_request", args.docs_per_request},
                      {"cold_ms", cold_ms},
                      {"warm_p50_ms", w.p50_ms},
                      {"warm_p95_ms", w.p95_ms},
                      {"warm_p99_ms", w.p99_ms},
                      {"warm_mean_ms", w.mean_ms}};
  if (!prepare.empty()) {
    const eval::LatencySummary p = eval::summarize_latency(prepare);
    std::cout << fmt::format("tokenise     p50 {:.2f} ms ({:.1f}% of the warm p50; timed apart)\n", p.p50_ms,
                             w.p50_ms > 0 ? 100.0 * p.p50_ms / w.p50_ms : 0.0);
    j["tokenize_p50_ms"] = p.p50_ms;
  }
  std::cout << j.dump() << "\n";
}

// The token ids the model runs for each pair, one JSONL line {"input_ids", "token_type_ids"}
// each: what a peer (../shared/tools/ort_peer/bench.js) runs so both time the same inputs.
void dump_token_ids(const std::string& path, const Ranker* ranker, const std::vector<std::string>& qs,
                    const std::vector<std::vector<Document>>& docs) {
  const ModelRanker* model = runtime::served_model_ranker(*ranker);
  if (!model) throw CliError(kExitUsage, "--dump-ids needs a model ranker");
  std::ofstream out(path);
  if (!out) throw CliError(kExitInput, "cannot write " + path);
  for (std::size_t q = 0; q < qs.size(); ++q) {
    std::vector<std::string_view> views;
    for (const Document& d : docs[q]) views.push_back(d.text);
    for (const PreparedSequence& seq : model->prepare(qs[q], views, ScoreOptions{}).sequences) {
      out << nlohmann::json{{"input_ids", seq.input_ids}, {"token_type_ids", seq.token_type_ids}}.dump() << "\n";
    }
  }
  if (!out) throw CliError(kExitInput, "cannot write " + path);
}

void run_bench(const BenchArgs& args) {
  if (args.pairs == 0) throw CliError(kExitUsage, "--pairs must be at least 1");
  const LoadOptions options = args.flags.to_load_options();
  const fs::path data(args.data);
  const std::vector<std::string> queries = read_queries(data);
  const std::vector<std::string> passages = read_passages(data, 2000);
  const std::size_t nq = (args.pairs + 99) / 100;
  if (nq > queries.size()) throw CliError(kExitUsage, "--pairs needs " + std::to_string(nq) + " queries");

  const auto t_load = std::chrono::steady_clock::now();
  std::unique_ptr<Ranker> ranker = load_ranker(args.model, options);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
  const RankerInfo& info = ranker->info();
  if (info.max_length == 0) {
    throw CliError(kExitUsage, "rerank bench measures models run here; '" + args.model + "' runs none");
  }
  if (args.latency) {
    run_latency_bench(args, queries, passages, *ranker);
    return;
  }

  // Pair i: query i//100, passage (7i) mod 2000, grouped per query as a request would be.
  std::vector<std::string> qs;
  std::vector<std::vector<Document>> docs;
  for (std::size_t i = 0; i < args.pairs; ++i) {
    if (i % 100 == 0) {
      qs.push_back(queries[i / 100]);
      docs.emplace_back();
    }
    docs.back().push_back({std::to_string(i), passages[(i * 7) % passages.size()], {}});
  }

  if (!args.dump_ids.empty()) dump_token_ids(args.dump_ids, ranker.get(), qs, docs);

  // Warm-up: one untimed pass over the same pairs (primitives, the arena's high-water
  // mark, page faults, a GPU's per-shape GEMM plans), as peer_bench.py warms up its stacks.
  ranker->score_many(qs, docs);
  double best = 1e300;
  std::vector<Scores> scored;
  for (int r = 0; r < std::max(1, args.repeat); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    scored = ranker->score_many(qs, docs);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (const Scores& q : scored) {
      for (const double v : q.values) {
        if (!std::isfinite(v)) throw CliError(kExitInternal, "a score is not finite");
      }
    }
  }

  // FLOPs as the model counts its own (peer_bench.py's count for encoders).
  double flops = 0, sum_t = 0;
  std::size_t pairs = 0, truncated = 0;
  for (const Scores& q : scored) {
    flops += q.flops;
    for (const DocumentStats& d : q.documents) {
      sum_t += static_cast<double>(d.tokens);
      truncated += d.truncated ? 1 : 0;
      ++pairs;
    }
  }
  if (pairs == 0) throw CliError(kExitInternal, "the ranker reported no per-pair statistics");
  const double gflops = flops / best / 1e9;
  // The peak is measured on a device of the same kind and threads as the ranker's.
  engine::DeviceOptions device_options;
  device_options.device = options.device;
  device_options.threads = options.threads;
  const std::unique_ptr<engine::DeviceProbe> dev = engine::make_device_probe(device_options);
  const double peak = args.skip_peak ? 0.0 : dev->measure_gemm_peak_gflops(engine::Precision::F32);
  const engine::Precision precision = engine::parse_precision(info.precision);
  double peak_prec = peak;
  if (!args.skip_peak && precision != engine::Precision::F32) peak_prec = dev->measure_gemm_peak_gflops(precision);

  std::cout << fmt::format("model        {}  ({})\n", args.model, ranker->info().model);
  std::cout << fmt::format("device       {}\n", info.device);
  std::cout << fmt::format("precision    {}   max length {}   batch tokens {}   lanes {}\n",
                           engine::precision_name(precision), info.max_length, info.batch_tokens, options.lanes);
  std::cout << fmt::format("pairs        {} ({} queries), mean {:.1f} tokens, max length hit by {} pairs\n",
                           pairs, qs.size(), sum_t / static_cast<double>(pairs), truncated);
  std::cout << fmt::format("load         {:.2f} s\n", load_s);
  std::cout << fmt::format("time         {:.3f} s (best of {} after a warm-up pass)\n", best, std::max(1, args.repeat));
  std::cout << fmt::format("throughput   {:.2f} pairs/s, {:.0f} tokens/s\n", static_cast<double>(pairs) / best,
                           sum_t / best);
  std::cout << fmt::format("compute      {:.1f} GFLOP/s achieved (the model's FLOP count)\n", gflops);
  if (!args.skip_peak) {
    std::cout << fmt::format("sgemm peak   {:.1f} GFLOP/s measured ({}, fp32)\n", peak, dev->gemm_peak_method());
    std::cout << fmt::format("ratio        {:.1f}% of the fp32 sgemm peak\n", 100.0 * gflops / peak);
    if (precision != engine::Precision::F32) {
      std::cout << fmt::format("{} peak    {:.1f} GOP/s measured ({}, {})\n", engine::precision_name(precision),
                               peak_prec, dev->gemm_peak_method(), engine::precision_name(precision));
      std::cout << fmt::format("ratio        {:.1f}% of the {} peak\n", 100.0 * gflops / peak_prec,
                               engine::precision_name(precision));
    }
  }
  std::cout << fmt::format("peak RSS     {:.0f} MiB\n", peak_rss_mib());
  const std::optional<std::size_t> accelerator_bytes = dev->accelerator_memory_in_use();
  if (accelerator_bytes) {
    std::cout << fmt::format("GPU memory   {:.0f} MiB in use after the runs (the arenas' high-water mark)\n",
                             static_cast<double>(*accelerator_bytes) / (1024.0 * 1024.0));
  }
  nlohmann::json j = {{"model", args.model},
                      {"precision", std::string(engine::precision_name(precision))},
                      {"threads", dev->threads()},
                      {"lanes", options.lanes},
                      {"pairs", pairs},
                      {"seconds", best},
                      {"pairs_per_s", static_cast<double>(pairs) / best},
                      {"tokens_per_s", sum_t / best},
                      {"mean_tokens", sum_t / static_cast<double>(pairs)},
                      {"gflops", gflops},
                      {"sgemm_peak_gflops", peak},
                      {"ratio_of_peak", peak > 0 ? gflops / peak : 0.0},
                      {"precision_peak_gflops", peak_prec},
                      {"ratio_of_precision_peak", peak_prec > 0 ? gflops / peak_prec : 0.0},
                      {"peak_rss_mib", peak_rss_mib()}};
  if (accelerator_bytes) j["gpu_memory_mib"] = static_cast<double>(*accelerator_bytes) / (1024.0 * 1024.0);
  std::cout << j.dump() << "\n";
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure cross-encoder throughput on a dataset's real passages");
  cmd->add_option("--model,-m", args->model, "Model spec: shape:minilm-l6, a model folder, org/name, ...")->required();
  cmd->add_option("--data", args->data, "Dataset folder with corpus.jsonl.gz and queries(.test).jsonl")->required();
  cmd->add_option("--pairs,-n", args->pairs, "Pairs to score (100 per query)")->capture_default_str();
  cmd->add_option("--repeat", args->repeat, "Timed runs; the best is reported")->capture_default_str();
  cmd->add_flag("--no-peak", args->skip_peak, "Skip measuring the GEMM peak");
  cmd->add_option("--dump-ids", args->dump_ids,
                  "Write the pairs' token ids as JSONL (input_ids, token_type_ids) for a peer benchmark");
  cmd->add_flag("--latency", args->latency,
                "Latency of small requests one at a time (p50/p95/p99 warm, cold, tokenisation) instead of throughput");
  cmd->add_option("--requests", args->requests, "--latency: warm requests timed")->capture_default_str();
  cmd->add_option("--docs-per-request", args->docs_per_request, "--latency: passages per request")
      ->capture_default_str();
  args->flags.add_to(*cmd);
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace rerank::cli
