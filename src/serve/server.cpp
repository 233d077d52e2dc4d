#include "serve/server.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "serve/auth.hpp"
#include "serve/client_watch.hpp"
#include "serve/dialects.hpp"
#include "serve/http_errors.hpp"
#include "serve/metrics.hpp"
#include "serve/request_parser.hpp"
#include "serve/score_rule.hpp"

namespace rerank::serve {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kJson = "application/json";

// Status written for a request whose client went away (nginx's convention; never sent).
constexpr int kClientClosed = 499;

const char* const kRerankRoutes[] = {"/v1/rerank", "/rerank", "/v2/rerank", "/v1/reranking", "/"};
const char* const kOtherRoutes[] = {"/health", "/ready", "/.well-known/ready", "/.well-known/live",
                                    "/meta", "/info", "/v1/models", "/metrics"};

std::string endpoint_label(const std::string& path) {
  for (const char* r : kRerankRoutes) {
    if (path == r) return r;
  }
  for (const char* r : kOtherRoutes) {
    if (path == r) return r;
  }
  return "other";
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

thread_local Clock::time_point request_start;

}  // namespace

struct Server::Impl {
  Impl(ModelTable m, ServerOptions o) : models(std::move(m)), options(std::move(o)) {}

  ModelTable models;
  ServerOptions options;
  ServerMetrics metrics;
  httplib::Server http;
  int bound_port = -1;
  std::size_t threads = 0;
  std::atomic<bool> draining{false};
  std::atomic<int> active{0};  // rerank handlers running

  void send_error(httplib::Response& res, Dialect dialect, const HttpError& error) {
    res.status = error.status;
    if (error.status == 429 || error.status == 503) res.set_header("Retry-After", "1");
    if (error.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(error_body(dialect, error), kJson);
  }

  bool check_auth(const httplib::Request& req, httplib::Response& res, Dialect dialect) {
    if (authorized(options.api_key, req.get_header_value("Authorization"))) return true;
    send_error(res, dialect,
               to_http_error(Error(ErrorCode::Unauthorized,
                                   "missing or wrong API key: send 'Authorization: Bearer KEY'"),
                             Phase::Parse));
    return false;
  }

  json model_json(const ServedModel& m) const {
    const RankerInfo& info = m.scheduler->ranker().info();
    return {{"id", m.name},
            {"object", "model"},
            {"owned_by", "rerank"},
            {"created", 0},
            {"type", info.type},
            {"model", info.model},
            {"score_kind", info.score_kind == ScoreKind::Logit ? "logit" : "passthrough"}};
  }

  void handle_rerank(const httplib::Request& req, httplib::Response& res);
  void install_routes();
};

void Server::Impl::handle_rerank(const httplib::Request& req, httplib::Response& res) {
  struct ActiveGuard {
    std::atomic<int>& n;
    explicit ActiveGuard(std::atomic<int>& c) : n(c) { ++n; }
    ~ActiveGuard() { --n; }
  } guard(active);
  const Clock::time_point deadline = Clock::now() + options.timeout;
  Dialect dialect = route_dialect(req.path);
  Phase phase = Phase::Parse;
  try {
    if (!check_auth(req, res, dialect)) return;
    if (draining.load()) throw Error(ErrorCode::Timeout, "the server is shutting down; retry on another replica");
    RerankCall call = parse_rerank_request(req.path, req.body);
    dialect = call.dialect;
    const ServedModel& model = models.resolve(call.model);
    phase = Phase::Validate;
    if (call.documents.size() > options.max_documents) {
      throw Error(ErrorCode::InvalidInput, "too many documents: " + std::to_string(call.documents.size()) +
                                               " (this server takes at most " +
                                               std::to_string(options.max_documents) + ", --max-documents)");
    }
    phase = Phase::Score;
    runtime::BatchScheduler& scheduler = *model.scheduler;
    const RankerInfo& info = scheduler.ranker().info();
    Scores scores;
    std::size_t estimated_tokens = 0;
    if (!call.documents.empty()) {
      runtime::Job job;
      job.query = call.query;
      job.documents = std::move(call.documents);
      job.options = call.options;
      job.deadline = deadline;
      std::shared_ptr<runtime::Ticket> ticket = scheduler.submit(std::move(job));
      std::optional<ClientWatch> watch;
      while (!ticket->wait_until(std::min(deadline, Clock::now() + options.client_poll))) {
        if (Clock::now() >= deadline) {
          if (ticket->done()) break;
          scheduler.cancel(ticket);
          throw Error(ErrorCode::Timeout, "the request did not finish within the server's --timeout");
        }
        if (!watch) watch.emplace(req.remote_addr, req.remote_port, req.local_port);
        if (watch->client_gone()) {
          scheduler.cancel(ticket);
          res.status = kClientClosed;
          return;
        }
      }
      scores = ticket->take();
      estimated_tokens = ticket->estimated_tokens();
      call.documents = ticket->job().documents;
    }
    const RerankOutcome outcome =
        make_outcome(call, scores, info.score_kind, options.raw_scores, estimated_tokens, model.name);
    json body;
    switch (call.dialect) {
      case Dialect::CohereV2: body = render_cohere_v2(call, outcome); break;
      case Dialect::Tei: body = render_tei(call, outcome); break;
      case Dialect::Mixedbread: body = render_mixedbread(call, outcome); break;
      case Dialect::CohereV1:
      case Dialect::Generic: body = render_cohere_v1(call, outcome); break;
    }
    res.status = 200;
    res.set_content(dump(body), kJson);
  } catch (const Error& e) {
    send_error(res, dialect, to_http_error(e, phase));
  } catch (const std::exception& e) {
    send_error(res, dialect, to_http_error(Error(ErrorCode::Internal, std::string("internal error: ") + e.what()), phase));
  }
}

void Server::Impl::install_routes() {
  for (const char* route : kRerankRoutes) {
    http.Post(route, [this](const httplib::Request& req, httplib::Response& res) { handle_rerank(req, res); });
  }
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", kJson);
  });
  http.Get("/ready", [this](const httplib::Request&, httplib::Response& res) {
    const bool ok = !draining.load();
    res.status = ok ? 200 : 503;
    json models_json = json::array();
    for (const ServedModel& m : models.models()) models_json.push_back(m.name);
    res.set_content(dump({{"status", ok ? "ready" : "draining"}, {"models", models_json}}), kJson);
  });
  // Weaviate's module probes these; 204 is what its inference containers answer.
  http.Get("/.well-known/ready", [this](const httplib::Request&, httplib::Response& res) {
    res.status = draining.load() ? 503 : 204;
  });
  http.Get("/.well-known/live", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  http.Get("/meta", [this](const httplib::Request&, httplib::Response& res) {
    json all = json::array();
    for (const ServedModel& m : models.models()) all.push_back(model_json(m));
    res.set_content(dump({{"model", all.front()}, {"models", all}}), kJson);
  });
  // TEI's /info, read by TEI clients to learn what is served.
  http.Get("/info", [this](const httplib::Request&, httplib::Response& res) {
    const ServedModel& m = models.models().front();
    res.set_content(dump({{"model_id", m.name},
                          {"model_type", {{"reranker", {{"id2label", {{"0", "LABEL_0"}}}, {"label2id", {{"LABEL_0", 0}}}}}}},
                          {"max_client_batch_size", options.max_documents},
                          {"max_batch_tokens", m.scheduler->options().max_batch_tokens},
                          {"max_concurrent_requests", m.scheduler->options().max_queue},
                          {"version", "rerank"}}),
                    kJson);
  });
  http.Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) {
    if (!check_auth(req, res, Dialect::Generic)) return;
    json data = json::array();
    for (const ServedModel& m : models.models()) data.push_back(model_json(m));
    res.set_content(dump({{"object", "list"}, {"data", data}}), kJson);
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(models), "text/plain; version=0.0.4; charset=utf-8");
  });

  http.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = Clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Statuses the library decides (no route, body over the limit, unparsable request) get a
  // JSON body in the route's dialect; responses our handlers wrote are left alone.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.status == kClientClosed || res.status == 503 || res.status == 204) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.set_content(error_body(route_dialect(req.path), http_error_for_status(res.status)), kJson);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(error_body(route_dialect(req.path), http_error_for_status(500)), kJson);
  });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double seconds = std::chrono::duration<double>(Clock::now() - request_start).count();
    metrics.record(endpoint_label(req.path), res.status, seconds);
  });
}

Server::Server(ModelTable models, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(models), std::move(options))) {
  std::size_t queue = 0;
  for (const ServedModel& m : impl_->models.models()) queue += m.scheduler->options().max_queue;
  impl_->threads = impl_->options.http_threads > 0 ? impl_->options.http_threads
                                                   : std::clamp<std::size_t>(queue + 32, 64, 1024);
  const std::size_t threads = impl_->threads;
  impl_->http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl_->http.set_payload_max_length(impl_->options.max_request_bytes);
  // Load balancers and SDK connection pools reuse connections: don't close every 5 requests.
  impl_->http.set_keep_alive_max_count(100000);
  impl_->http.set_keep_alive_timeout(5);
  impl_->install_routes();
}

Server::~Server() {
  if (impl_->http.is_running()) impl_->http.stop();
}

int Server::bind() {
  const ServerOptions& o = impl_->options;
  if (o.port == 0) {
    impl_->bound_port = impl_->http.bind_to_any_port(o.host);
  } else if (impl_->http.bind_to_port(o.host, o.port)) {
    impl_->bound_port = o.port;
  }
  if (impl_->bound_port <= 0) {
    throw Error(ErrorCode::Network, "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                        " (address in use, or not an address of this machine)");
  }
  widen_listen_backlog(impl_->bound_port, 1024);
  return impl_->bound_port;
}

void Server::run() {
  if (impl_->bound_port <= 0) throw Error(ErrorCode::Internal, "Server::run() before bind()");
  impl_->http.listen_after_bind();
}

void Server::shutdown(std::chrono::milliseconds grace) {
  impl_->draining.store(true);
  const Clock::time_point until = Clock::now() + grace;
  for (const ServedModel& m : impl_->models.models()) m.scheduler->drain(until);
  // Let the handlers of finished requests write their responses.
  while (impl_->active.load() > 0 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->http.stop();
}

bool Server::ready() const { return !impl_->draining.load(); }
int Server::port() const { return impl_->bound_port; }
const ModelTable& Server::models() const { return impl_->models; }
std::size_t Server::http_threads() const { return impl_->threads; }

}  // namespace rerank::serve
