#include "serve/server.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "serve/auth.hpp"
#include "serve/cors.hpp"
#include "serve/dialects.hpp"
#include "serve/http/http_server.hpp"
#include "serve/http_errors.hpp"
#include "serve/metrics.hpp"
#include "serve/request_parser.hpp"
#include "serve/router.hpp"
#include "serve/score_rule.hpp"

namespace rerank::serve {

namespace {

using Clock = std::chrono::steady_clock;
using http::ClientConnection;
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;

constexpr const char* kJson = "application/json";

// Status recorded for a request whose client went away (nginx's convention; never sent).
constexpr int kClientClosed = 499;
// After the drain deadline, how long handlers get to answer their cancelled requests.
constexpr std::chrono::milliseconds kCancelGrace{2000};

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

HttpResponse json_response(int status, const json& body) {
  HttpResponse res;
  res.status = status;
  res.set_content(dump(body), kJson);
  return res;
}

// Who may call a route when --api-key is set (docs/server.md lists each route).
enum class Access { Public, Key };

}  // namespace

struct Server::Impl {
  Impl(ModelTable m, ServerOptions o) : models(std::move(m)), options(std::move(o)), cors(options.cors_origins) {}

  ModelTable models;
  ServerOptions options;
  ServerMetrics metrics;
  Router router;
  CorsPolicy cors;
  std::unique_ptr<http::HttpServer> http;
  std::size_t threads = 0;
  std::atomic<bool> draining{false};
  std::atomic<bool> drain_expired{false};  // the drain deadline passed: waiting requests are cancelled
  std::atomic<int> active{0};              // rerank handlers running

  static HttpResponse error_response(Dialect dialect, const HttpError& error) {
    HttpResponse res;
    res.status = error.status;
    if (error.status == 429 || error.status == 503) res.set_header("Retry-After", "1");
    if (error.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(error_body(dialect, error), kJson);
    return res;
  }

  bool has_key(const HttpRequest& req) const { return authorized(options.api_key, req.header("authorization")); }

  json model_json(const ServedModel& m) const {
    const RankerInfo& info = m.scheduler->ranker().info();
    return {{"id", m.name},
            {"object", "model"},
            {"owned_by", "rerank"},
            {"created", 0},
            {"type", info.type},
            {"model", info.model},
            {"score_kind", score_kind_name(info.score_kind)},
            {"aliases", m.aliases},
            {"workers", m.scheduler->options().workers},
            {"devices", devices_of(*m.scheduler)}};
  }

  // Each engine's one-line description, one per device of --device (none for BM25 and APIs).
  static json devices_of(const runtime::BatchScheduler& scheduler) {
    json devices = json::array();
    for (std::size_t i = 0; i < scheduler.replica_count(); ++i) {
      const std::string& device = scheduler.replica(i).info().device;
      if (!device.empty()) devices.push_back(device);
    }
    return devices;
  }

  void route(const char* method, const char* path, Access access, Router::Handler handler) {
    router.add(method, path, [this, access, path, handler = std::move(handler)](const HttpRequest& req,
                                                                               const ClientConnection& conn) {
      if (access == Access::Key && !has_key(req)) {
        return error_response(route_dialect(path),
                              to_http_error(Error(ErrorCode::Unauthorized,
                                                  "missing or wrong API key: send 'Authorization: Bearer KEY'"),
                                            Phase::Parse));
      }
      return handler(req, conn);
    });
  }

  HttpResponse handle(const HttpRequest& req, const ClientConnection& conn) {
    const Router::Match m = router.match(req.method, req.path);
    HttpResponse res;
    if (m.handler != nullptr) {
      res = (*m.handler)(req, conn);
    } else if (m.status == 204) {
      res.status = 204;  // OPTIONS: what the route allows (and CORS preflight below)
      res.set_header("Allow", m.allow);
    } else {
      res = error_response(route_dialect(req.path), http_error_for_status(m.status));
      if (m.status == 405) res.set_header("Allow", m.allow);
    }
    cors.apply(req, m.allow, res);
    if (draining.load()) res.close = true;
    return res;
  }

  HttpResponse front_end_error(int status, const std::string& message, const HttpRequest& req) {
    HttpResponse res = error_response(route_dialect(req.path), http_error_for_status(status, message));
    cors.apply(req, {}, res);
    return res;
  }

  HttpResponse handle_rerank(const HttpRequest& req, const ClientConnection& conn);
  void install_routes();
};

HttpResponse Server::Impl::handle_rerank(const HttpRequest& req, const ClientConnection& conn) {
  struct ActiveGuard {
    std::atomic<int>& n;
    explicit ActiveGuard(std::atomic<int>& c) : n(c) { ++n; }
    ~ActiveGuard() { --n; }
  } guard(active);
  const Clock::time_point deadline = Clock::now() + options.timeout;
  Dialect dialect = route_dialect(req.path);
  Phase phase = Phase::Parse;
  try {
    if (draining.load()) throw Error(ErrorCode::Timeout, "the server is shutting down; retry on another replica");
    RerankCall call = parse_rerank_request(req.path, req.body, RequestLimits{options.max_json_depth});
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
      while (!ticket->wait_until(std::min(deadline, Clock::now() + options.client_poll))) {
        if (ticket->done()) break;
        if (Clock::now() >= deadline) {
          scheduler.cancel(ticket);
          throw Error(ErrorCode::Timeout, "the request did not finish within the server's --timeout");
        }
        if (drain_expired.load()) {
          scheduler.cancel(ticket);
          throw Error(ErrorCode::Timeout,
                      "the server shut down before this request finished (--drain-timeout); retry on another replica");
        }
        if (conn.gone()) {
          scheduler.cancel(ticket);
          HttpResponse gone;
          gone.status = kClientClosed;
          gone.drop = true;
          return gone;
        }
      }
      scores = ticket->take();
      estimated_tokens = ticket->tokens();
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
    return json_response(200, body);
  } catch (const Error& e) {
    return error_response(dialect, to_http_error(e, phase));
  } catch (const std::exception& e) {
    return error_response(dialect, to_http_error(Error(ErrorCode::Internal, std::string("internal error: ") + e.what()),
                                                 phase));
  }
}

void Server::Impl::install_routes() {
  for (const char* path : kRerankRoutes) {
    route("POST", path, Access::Key, [this](const HttpRequest& req, const ClientConnection& conn) {
      return handle_rerank(req, conn);
    });
  }
  // Liveness and readiness stay open for load balancers and orchestrators; they name no model
  // to a caller without the key.
  route("GET", "/health", Access::Public, [](const HttpRequest&, const ClientConnection&) {
    return json_response(200, {{"status", "ok"}});
  });
  route("GET", "/ready", Access::Public, [this](const HttpRequest& req, const ClientConnection&) {
    const bool ok = !draining.load();
    json body = {{"status", ok ? "ready" : "draining"}};
    if (has_key(req)) {
      json names = json::array();
      for (const ServedModel& m : models.models()) names.push_back(m.name);
      body["models"] = names;
    }
    return json_response(ok ? 200 : 503, body);
  });
  // Weaviate's module probes these; 204 is what its inference containers answer.
  route("GET", "/.well-known/ready", Access::Public, [this](const HttpRequest&, const ClientConnection&) {
    HttpResponse res;
    res.status = draining.load() ? 503 : 204;
    return res;
  });
  route("GET", "/.well-known/live", Access::Public, [](const HttpRequest&, const ClientConnection&) {
    HttpResponse res;
    res.status = 204;
    return res;
  });
  route("GET", "/meta", Access::Key, [this](const HttpRequest&, const ClientConnection&) {
    json all = json::array();
    for (const ServedModel& m : models.models()) all.push_back(model_json(m));
    return json_response(200, {{"model", all.front()}, {"models", all}});
  });
  // TEI's /info, read by TEI clients to learn what is served.
  route("GET", "/info", Access::Key, [this](const HttpRequest&, const ClientConnection&) {
    const ServedModel& m = models.models().front();
    return json_response(
        200, {{"model_id", m.name},
              {"model_type", {{"reranker", {{"id2label", {{"0", "LABEL_0"}}}, {"label2id", {{"LABEL_0", 0}}}}}}},
              {"max_client_batch_size", options.max_documents},
              {"max_batch_tokens", m.scheduler->options().max_batch_tokens},
              {"max_concurrent_requests", m.scheduler->options().max_queue},
              {"version", "rerank"}});
  });
  route("GET", "/v1/models", Access::Key, [this](const HttpRequest&, const ClientConnection&) {
    json data = json::array();
    for (const ServedModel& m : models.models()) data.push_back(model_json(m));
    return json_response(200, {{"object", "list"}, {"data", data}});
  });
  // Per-model series carry the model names, so the scraper needs the key too.
  route("GET", "/metrics", Access::Key, [this](const HttpRequest&, const ClientConnection&) {
    HttpResponse res;
    res.set_content(metrics.render(models), "text/plain; version=0.0.4; charset=utf-8");
    return res;
  });
}

Server::Server(ModelTable models, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(models), std::move(options))) {
  Impl& m = *impl_;
  std::size_t queue = 0;
  for (const ServedModel& served : m.models.models()) queue += served.scheduler->options().max_queue;
  m.threads = m.options.http_threads > 0 ? m.options.http_threads : std::clamp<std::size_t>(queue + 32, 64, 1024);
  m.install_routes();
  http::HttpServerOptions h;
  h.host = m.options.host;
  h.port = m.options.port;
  h.reuse_port = m.options.reuse_port;
  h.handler_threads = m.threads;
  h.max_connections = m.options.max_connections;
  h.limits.max_body_bytes = m.options.max_request_bytes;
  h.header_timeout = m.options.header_timeout;
  h.body_timeout = m.options.body_timeout;
  h.keep_alive_timeout = m.options.keep_alive_timeout;
  h.write_timeout = m.options.write_timeout;
  m.http = std::make_unique<http::HttpServer>(
      h, [&m](const HttpRequest& req, const ClientConnection& conn) { return m.handle(req, conn); },
      [&m](int status, const std::string& message, const HttpRequest& req) {
        return m.front_end_error(status, message, req);
      },
      [&m](const HttpRequest& req, const HttpResponse& res, double seconds) {
        m.metrics.record(endpoint_label(req.path), res.drop ? kClientClosed : res.status, seconds);
      });
}

Server::~Server() { impl_->http->stop(std::chrono::milliseconds(0)); }

int Server::bind() { return impl_->http->bind(); }

void Server::run() { impl_->http->run(); }

bool Server::shutdown(std::chrono::milliseconds grace) {
  Impl& m = *impl_;
  m.draining.store(true);
  m.http->close_connections_after_response();
  const Clock::time_point until = Clock::now() + grace;
  for (const ServedModel& served : m.models.models()) served.scheduler->drain(until);
  while (m.active.load() > 0 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (m.active.load() > 0) {
    m.drain_expired.store(true);
    const Clock::time_point answer_by = Clock::now() + kCancelGrace;
    while (m.active.load() > 0 && Clock::now() < answer_by) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  bool finished = true;
  for (const ServedModel& served : m.models.models()) finished = finished && served.scheduler->in_flight() == 0;
  m.http->stop(kCancelGrace);
  return finished;
}

bool Server::ready() const { return !impl_->draining.load(); }
int Server::port() const { return impl_->http->port(); }
const ModelTable& Server::models() const { return impl_->models; }
std::size_t Server::http_threads() const { return impl_->threads; }

}  // namespace rerank::serve
