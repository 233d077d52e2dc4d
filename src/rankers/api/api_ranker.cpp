#include "rankers/api/api_ranker.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "io/http_client.hpp"
#include "rankers/api/request_plan.hpp"
#include "rankers/api/response_validation.hpp"
#include "rankers/api/retrying_post.hpp"
#include "rankers/api/status_error.hpp"
#include "rankers/api/token_budget.hpp"
#include "rerank/error.hpp"

namespace rerank::api {

namespace {


void add_usage(nlohmann::json& total, const nlohmann::json& part) {
  for (const auto& [key, value] : part.items()) {
    if (!value.is_number()) continue;
    if (!total.contains(key)) {
      total[key] = value;
    } else if (total[key].is_number_integer() && value.is_number_integer()) {
      total[key] = total[key].get<long long>() + value.get<long long>();
    } else {
      total[key] = total[key].get<double>() + value.get<double>();
    }
  }
}

// Failures that say the endpoint is unhealthy (as opposed to a bad key or bad input).
bool counts_against_breaker(ErrorCode code) {
  return code == ErrorCode::Network || code == ErrorCode::Timeout || code == ErrorCode::Overloaded;
}


}  // namespace

ApiRanker::ApiRanker(RankerInfo info, std::unique_ptr<Dialect> dialect, ApiSettings settings)
    : info_(std::move(info)),
      dialect_(std::move(dialect)),
      settings_(std::move(settings)),
      limiter_(settings_.requests_per_minute, settings_.tokens_per_minute, settings_.burst_seconds),
      breaker_(settings_.breaker_failures, settings_.breaker_cooldown) {}

std::vector<double> ApiRanker::send_part(const DialectRequest& request, std::size_t estimated_tokens,
                                         nlohmann::json& usage) const {
  const DialectInfo& dinfo = dialect_->info();
  io::HttpRequest http;
  http.url = settings_.url;
  http.method = io::HttpMethod::Post;
  http.headers = dialect_->headers(settings_.api_key);
  http.headers.emplace_back("Content-Type", "application/json");
  http.headers.emplace_back("Accept", "application/json");
  http.body = dialect_->build_request(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  http.accept_compressed = true;
  http.timeouts.connect = settings_.connect_timeout;
  http.timeouts.total = settings_.timeout;
  http.timeouts.stall = std::chrono::milliseconds(0);  // the total timeout bounds the call
  const PostTarget target{dinfo.display_name, settings_.api_key,
                          (dinfo.key_env.empty() ? std::string() : dinfo.key_env + " or ") + "--api-key"};
  const io::HttpResponse response =
      post_retrying(http, target, settings_.retry, limiter_, static_cast<double>(estimated_tokens));
  // An invalid body is final (not retried): a provider that answers garbage once will likely
  // do it again, and a fallback ranker serves the caller sooner.
  try {
    const nlohmann::json body = parse_response_json(response.body, dinfo.display_name, settings_.api_key);
    DialectResponse parsed = dialect_->parse_response(body);
    std::vector<double> scores = scores_in_input_order(parsed.results, request.documents.size(), dinfo.display_name);
    add_usage(usage, parsed.usage);
    return scores;
  } catch (const Error& e) {
    // A dialect's message may quote response fields, which an upstream can fill with the key.
    throw redacted(e, settings_.api_key);
  }
}

Scores ApiRanker::score_documents(std::string_view query, std::span<const Document> documents,
                                  const ScoreOptions& options) const {
  Scores out;
  out.values.assign(documents.size(), 0.0);
  if (documents.empty()) return out;
  const DialectInfo& dinfo = dialect_->info();

  if (auto wait = breaker_.check()) {
    throw Error(ErrorCode::Overloaded, dinfo.display_name + " circuit breaker is open after " +
                                           std::to_string(breaker_.consecutive_failures()) +
                                           " consecutive failed calls; next trial in " + seconds_text(*wait));
  }

  // Client-side truncation to the per-document budget (approximate tokens, see token_budget.hpp).
  std::vector<std::string> texts;
  texts.reserve(documents.size());
  std::vector<std::size_t> doc_tokens;
  doc_tokens.reserve(documents.size());
  for (std::size_t i = 0; i < documents.size(); ++i) {
    std::string text = documents[i].text;
    std::size_t tokens = estimate_tokens(text);
    if (options.max_tokens_per_doc && tokens > *options.max_tokens_per_doc) {
      if (!options.truncate) {
        throw Error(ErrorCode::InvalidInput, "document " + std::to_string(i) + " has about " +
                                                 std::to_string(tokens) + " tokens, more than max_tokens_per_doc=" +
                                                 std::to_string(*options.max_tokens_per_doc) +
                                                 ", and truncation is off");
      }
      text = truncate_to_tokens(text, *options.max_tokens_per_doc, options.truncate_left);
      tokens = estimate_tokens(text);
    }
    texts.push_back(std::move(text));
    doc_tokens.push_back(tokens);
  }
  const std::string query_text(query);
  const std::vector<RequestPart> parts =
      plan_requests(doc_tokens, estimate_tokens(query_text), settings_.max_documents, settings_.max_request_tokens);

  std::mutex mutex;  // guards out.usage and first_error
  std::exception_ptr first_error;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (first_error) return;
      }
      const std::size_t p = next.fetch_add(1);
      if (p >= parts.size()) return;
      const RequestPart& part = parts[p];
      DialectRequest request;
      request.model = settings_.model;
      request.query = query_text;
      request.documents = std::span<const std::string>(texts).subspan(part.begin, part.end - part.begin);
      request.max_tokens_per_doc = options.max_tokens_per_doc;
      request.truncate = options.truncate;
      request.truncate_left = options.truncate_left;
      request.raw_scores = settings_.raw_scores;
      try {
        nlohmann::json usage = nlohmann::json::object();
        std::vector<double> scores = send_part(request, part.estimated_tokens, usage);
        std::lock_guard<std::mutex> lock(mutex);
        std::copy(scores.begin(), scores.end(), out.values.begin() + static_cast<std::ptrdiff_t>(part.begin));
        add_usage(out.usage, usage);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!first_error) first_error = std::current_exception();
        return;
      }
    }
  };
  const std::size_t threads = std::min(settings_.concurrency, parts.size());
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  }

  if (first_error) {
    try {
      std::rethrow_exception(first_error);
    } catch (const Error& e) {
      if (counts_against_breaker(e.code())) breaker_.record_failure();
      else breaker_.record_success();  // the endpoint answered; the request was the problem
      throw;
    }
  }
  breaker_.record_success();
  out.usage["requests"] = parts.size();  // HTTP requests that succeeded (retries not counted)
  // What was sent, in this layer's approximate tokens: what a server in front of this ranker
  // reports when the provider counts none (serve/score_rule.cpp reads real counts first).
  std::size_t estimated = 0;
  for (const RequestPart& part : parts) estimated += part.estimated_tokens;
  out.usage["estimated_tokens"] = estimated;
  return out;
}

std::unique_ptr<Ranker> make_api_ranker(const ModelSource& source, const LoadOptions& options) {
  std::unique_ptr<Dialect> dialect = make_dialect(source.type);
  if (!dialect) {
    throw Error(ErrorCode::Internal, "no API dialect for ranker type '" + source.type + "'");
  }
  ApiSettings settings = resolve_api_settings(*dialect, source, options);
  RankerInfo info;
  info.type = source.type;
  info.spec = source.spec;
  info.model = settings.model.empty() ? io::url_origin(settings.url) : settings.model;
  info.score_kind = ScoreKind::ApiRelevance;
  return std::make_unique<ApiRanker>(std::move(info), std::move(dialect), std::move(settings));
}

}  // namespace rerank::api
