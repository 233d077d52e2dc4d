// rerank serve: load the models, put each behind a batching scheduler and serve HTTP until
// SIGTERM/SIGINT, which drains the requests in flight before exiting.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "cli/model_options.hpp"
#include "engine/device_factory.hpp"
#include "runtime/served_model_ranker.hpp"
#include "serve/server.hpp"

namespace rerank::cli {

namespace {

// Default --workers (0): see the comment where they are chosen.
constexpr std::size_t kModelWorkers = 1;
constexpr std::size_t kRankerWorkers = 8;

struct ServeArgs {
  std::vector<std::string> models;
  std::vector<std::string> served_model_names;  // NAME (the first model) or SPEC=NAME
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;
  std::string api_key_file;
  std::size_t max_batch_tokens = 16384;
  std::size_t max_batch_requests = 0;
  std::size_t max_documents = 1000;
  std::size_t max_request_bytes = 4u << 20;
  std::size_t max_queue = 256;
  double timeout = 30;
  double drain_timeout = 30;
  std::size_t max_json_depth = 64;
  bool reuse_port = false;
  double header_timeout = 10;
  double body_timeout = 30;
  double keep_alive_timeout = 5;
  double write_timeout = 30;
  std::size_t max_connections = 4096;
  std::vector<std::string> cors_origins;
  std::size_t workers = 0;  // 0: kModelWorkers or kRankerWorkers, per model
  std::size_t http_threads = 0;
  bool raw_scores = false;
  ModelFlags flags;
};

std::chrono::milliseconds seconds(double s) { return std::chrono::milliseconds(static_cast<long long>(s * 1000)); }

// Each connection is a descriptor; the soft limit (often 1024) would refuse clients long
// before --max-connections, so raise it toward the hard limit.
void raise_descriptor_limit(std::size_t connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t want = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(connections) + 256);
  if (limit.rlim_cur < want) {
    limit.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// --served-model-name values: NAME names the first (default) model, SPEC=NAME the model
// loaded from SPEC. Usage error for a SPEC that no --model gave or an empty name.
std::vector<std::vector<std::string>> served_names(const ServeArgs& args) {
  std::vector<std::vector<std::string>> names(args.models.size());
  for (const std::string& value : args.served_model_names) {
    const auto eq = value.rfind('=');
    const std::string spec = eq == std::string::npos ? args.models.front() : value.substr(0, eq);
    const std::string name = eq == std::string::npos ? value : value.substr(eq + 1);
    const auto it = std::find(args.models.begin(), args.models.end(), spec);
    if (name.empty() || it == args.models.end()) {
      throw CliError(kExitUsage, "--served-model-name " + value + ": give NAME (the first --model) or SPEC=NAME for "
                                 "a SPEC given with --model");
    }
    names[static_cast<std::size_t>(it - args.models.begin())].push_back(name);
  }
  return names;
}

std::string read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CliError(kExitUsage, "cannot read --api-key-file " + path);
  std::string key;
  std::getline(in, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ' || key.back() == '\t')) key.pop_back();
  if (key.empty()) throw CliError(kExitUsage, "--api-key-file " + path + " is empty");
  return key;
}

void run_serve(const ServeArgs& args) {
  if (args.models.empty()) throw CliError(kExitUsage, "--model is required");
  if (!args.api_key.empty() && !args.api_key_file.empty()) {
    throw CliError(kExitUsage, "give --api-key or --api-key-file, not both");
  }
  if (args.timeout <= 0 || args.drain_timeout < 0 || args.header_timeout <= 0 || args.body_timeout <= 0 ||
      args.keep_alive_timeout <= 0 || args.write_timeout <= 0) {
    throw CliError(kExitUsage, "--timeout, --header-timeout, --body-timeout, --keep-alive-timeout and --write-timeout "
                               "must be > 0, --drain-timeout >= 0");
  }
  if (args.port < 0 || args.port > 65535) throw CliError(kExitUsage, "--port must be 0..65535");
  if (args.max_batch_tokens == 0 || args.max_queue == 0 || args.max_documents == 0 || args.max_request_bytes == 0 ||
      args.max_json_depth == 0 || args.max_connections == 0) {
    throw CliError(kExitUsage, "--max-batch-tokens, --max-queue, --max-documents, --max-request-bytes, "
                               "--max-json-depth and --max-connections must be > 0");
  }
  // Signals go to one waiting thread, never to a worker in the middle of a request: block
  // them before any thread (model loading, schedulers, HTTP pool) starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::ServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.api_key = args.api_key_file.empty() ? args.api_key : read_key_file(args.api_key_file);
  options.max_documents = args.max_documents;
  options.max_request_bytes = args.max_request_bytes;
  options.max_json_depth = args.max_json_depth;
  options.reuse_port = args.reuse_port;
  options.header_timeout = seconds(args.header_timeout);
  options.body_timeout = seconds(args.body_timeout);
  options.keep_alive_timeout = seconds(args.keep_alive_timeout);
  options.write_timeout = seconds(args.write_timeout);
  options.max_connections = args.max_connections;
  options.cors_origins = args.cors_origins;
  raise_descriptor_limit(args.max_connections);
  options.timeout = seconds(args.timeout);
  options.raw_scores = args.raw_scores;
  options.http_threads = args.http_threads;

  const LoadOptions load_options = args.flags.to_load_options();
  runtime::BatchSchedulerOptions scheduling;
  scheduling.max_batch_tokens = args.max_batch_tokens;
  scheduling.max_batch_requests = args.max_batch_requests;
  scheduling.max_queue = args.max_queue;

  const std::vector<std::vector<std::string>> aliases = served_names(args);
  const std::vector<std::string> devices = engine::expand_device_list(load_options.device);
  std::vector<serve::ServedModel> served;
  for (std::size_t m = 0; m < args.models.size(); ++m) {
    const std::string& spec = args.models[m];
    // One engine per device of the list (--device cuda:0,cuda:1 or cuda:all), all behind
    // this model's one queue.
    std::vector<std::shared_ptr<const Ranker>> replicas;
    for (const std::string& device : devices) {
      LoadOptions on_device = load_options;
      on_device.device = device;
      replicas.push_back(load_ranker(spec, on_device));
    }
    // A model's requests are merged into shared forward passes that use every core (or the
    // GPU): one worker per engine feeds it. Rankers without a model (hosted APIs, BM25) do not
    // batch and mostly wait on the network: several requests run at once.
    const bool runs_a_model = runtime::served_runtime(*replicas.front()) != nullptr;
    scheduling.workers = args.workers > 0 ? args.workers : runs_a_model ? kModelWorkers : kRankerWorkers;
    served.push_back({spec, std::make_shared<runtime::BatchScheduler>(std::move(replicas), scheduling), aliases[m]});
  }
  serve::Server server(serve::ModelTable(std::move(served)), options);
  const int port = server.bind();
  std::cout << "rerank serve: listening on http://" << args.host << ":" << port << " (" << server.http_threads()
            << " handler threads; models:";
  for (const auto& m : server.models().models()) {
    std::cout << " " << m.name;
    for (const std::string& alias : m.aliases) std::cout << " (as " << alias << ")";
  }
  std::cout << ")";
  if (devices.size() > 1) {
    std::cout << " on " << devices.size() << " devices:";
    for (const std::string& device : devices) std::cout << " " << device;
  }
  std::cout << std::endl;

  std::atomic<bool> stopped{false};
  std::atomic<bool> finished{true};
  std::thread signal_thread([&] {
    const timespec tick{0, 200 * 1000 * 1000};
    while (!stopped.load()) {
      const int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        std::cerr << "rerank serve: signal " << sig << ", draining requests in flight" << std::endl;
        finished = server.shutdown(seconds(args.drain_timeout));
        return;
      }
    }
  });
  server.run();
  stopped.store(true);
  signal_thread.join();
  if (!finished.load()) {
    // Every request was answered (503 past --drain-timeout), but a ranker call is still
    // computing and cannot be interrupted: exit now instead of waiting for it.
    std::cerr << "rerank serve: stopped at --drain-timeout; abandoning model calls still running" << std::endl;
    std::cout.flush();
    std::_Exit(0);
  }
  std::cerr << "rerank serve: stopped" << std::endl;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve reranking over HTTP (Cohere, Jina, TEI, Mixedbread APIs)");
  cmd->add_option("--served-model-name", args->served_model_names,
                  "Another name clients may send as `model`: NAME for the first --model, SPEC=NAME for another "
                  "(repeatable)");
  cmd->add_option("--model,-m", args->models, "Model spec to load (repeatable; the first is the default)")
      ->required();
  cmd->add_option("--host", args->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port,-p", args->port, "Port to listen on (0: any free port)")->capture_default_str();
  args->flags.add_to(*cmd);
  // The shared --api-key is a hosted ranker's key; here --api-key is the key clients must send.
  if (CLI::Option* upstream = cmd->get_option_no_throw("--api-key")) cmd->remove_option(upstream);
  cmd->add_option("--upstream-api-key", args->flags.api_key,
                  "Hosted-API rankers: their key (default: the provider's environment variable)");
  cmd->add_option("--api-key", args->api_key, "Require 'Authorization: Bearer KEY' (or a bare KEY)");
  cmd->add_option("--api-key-file", args->api_key_file, "Read the required API key from a file");
  cmd->add_option("--max-batch-tokens", args->max_batch_tokens,
                  "Token budget of one forward batch merged from concurrent requests")
      ->capture_default_str();
  cmd->add_option("--max-batch-requests", args->max_batch_requests,
                  "Requests merged into one forward batch (0: no limit, 1: no batching)")
      ->capture_default_str();
  cmd->add_option("--max-documents", args->max_documents, "Documents per request (more: 422)")
      ->capture_default_str();
  cmd->add_option("--max-request-bytes", args->max_request_bytes, "Request body size (more: 413)")
      ->capture_default_str();
  cmd->add_option("--max-queue", args->max_queue, "Requests admitted per model before 429")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Per-request deadline in seconds (then 503)")->capture_default_str();
  cmd->add_option("--drain-timeout", args->drain_timeout,
                  "Seconds SIGTERM waits for requests in flight (then they are answered 503 and the server exits)")
      ->capture_default_str();
  cmd->add_option("--workers", args->workers,
                  "Threads calling each model (0: 1 for a local model, whose requests the runtime merges; 8 for "
                  "hosted APIs and BM25)")
      ->capture_default_str();
  cmd->add_option("--http-threads", args->http_threads, "Request handler threads (0: from --max-queue)")
      ->capture_default_str();
  cmd->add_flag("--raw-scores", args->raw_scores, "Return raw model logits (no sigmoid)");
  cmd->add_option("--max-json-depth", args->max_json_depth, "Deepest JSON nesting a request may use (more: 400)")
      ->capture_default_str();
  cmd->add_flag("--reuse-port", args->reuse_port,
                "Share the port with other servers (SO_REUSEPORT); without it a port in use is an error");
  cmd->add_option("--header-timeout", args->header_timeout,
                  "Seconds a client has to send a request's line and headers, in total (then 408)")
      ->capture_default_str();
  cmd->add_option("--body-timeout", args->body_timeout, "Seconds a client has to send a request's body, in total (then 408)")
      ->capture_default_str();
  cmd->add_option("--keep-alive-timeout", args->keep_alive_timeout, "Seconds an idle connection stays open")
      ->capture_default_str();
  cmd->add_option("--write-timeout", args->write_timeout,
                  "Seconds a client has to read one response, in total (then the connection is closed)")
      ->capture_default_str();
  cmd->add_option("--max-connections", args->max_connections, "Open client connections (more: 503 and close)")
      ->capture_default_str();
  cmd->add_option("--cors-origin", args->cors_origins,
                  "Browser origin allowed to call the server (repeatable; '*': any). Default: no CORS");
  cmd->callback([args] { run_serve(*args); });
}

}  // namespace rerank::cli
