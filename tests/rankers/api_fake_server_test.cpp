// The fake provider server used by the api_* tests (tests/support/fake_api_server.hpp),
// and tests that it refuses requests deviating from each documented dialect: a fake that
// accepted anything would prove nothing about our requests.
#include "support/fake_api_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "io/http_client.hpp"

namespace rerank::testing {

namespace {

using Json = nlohmann::json;

struct DialectSpec {
  std::vector<std::string> paths;
  std::string docs_field;                // "documents", "texts", "input"
  std::set<std::string> required;
  std::set<std::string> allowed;         // required included
  bool model_required = true;
  std::size_t max_documents = 1000;
};

DialectSpec spec_for(const std::string& dialect) {
  if (dialect == "cohere") {
    return {{"/v2/rerank"}, "documents", {"model", "query", "documents"},
            {"model", "query", "documents", "top_n", "max_tokens_per_doc"}, true, 10000};
  }
  if (dialect == "jina") {
    return {{"/v1/rerank"}, "documents", {"model", "query", "documents"},
            {"model", "query", "documents", "top_n", "return_documents"}, true, 1000};
  }
  if (dialect == "voyage") {
    return {{"/v1/rerank"}, "documents", {"query", "documents", "model"},
            {"query", "documents", "model", "top_k", "return_documents", "truncation"}, true, 1000};
  }
  if (dialect == "mixedbread") {
    return {{"/v1/reranking"}, "input", {"model", "query", "input"},
            {"model", "query", "input", "rank_fields", "top_k", "return_input"}, true, 1000};
  }
  if (dialect == "pinecone") {
    return {{"/rerank"}, "documents", {"model", "query", "documents"},
            {"model", "query", "documents", "top_n", "return_documents", "rank_fields", "parameters"}, true, 100};
  }
  if (dialect == "isaacus") {
    return {{"/v1/rerankings"}, "texts", {"model", "query", "texts"},
            {"model", "query", "texts", "top_n", "is_iql", "scoring_method", "chunking_options"}, true, 1000};
  }
  if (dialect == "tei") {
    return {{"/rerank"}, "texts", {"query", "texts"},
            {"query", "texts", "raw_scores", "return_text", "truncate", "truncation_direction"}, false, 32};
  }
  if (dialect == "llamacpp") {
    return {{"/v1/rerank", "/rerank", "/reranking", "/v1/reranking"}, "documents", {"query", "documents"},
            {"model", "query", "documents", "top_n"}, false, 100000};
  }
  if (dialect == "rerank-server") {
    return {{"/v1/rerank", "/rerank"}, "documents", {"query", "documents"},
            {"model", "query", "documents", "top_n", "return_documents", "raw_scores", "max_tokens_per_doc"}, false,
            100000};
  }
  throw std::invalid_argument("unknown fake dialect " + dialect);
}

bool is_positive_int(const Json& v) { return v.is_number_integer() && v.get<long long>() >= 1; }

bool has_non_space(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
}

}  // namespace

double fake_score(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return std::sin(static_cast<double>(h % 1000003ULL));
}

struct FakeApiServer::Impl {
  std::string dialect;
  std::string api_key;
  DialectSpec spec;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;
  std::vector<FaultSpec> faults;  // front is next
  std::size_t count = 0;
  std::vector<FakeRequest> log;
  std::vector<std::string> rejected;

  // Validates a request; returns an empty string when it matches the dialect.
  std::string check(const httplib::Request& req, const Json& body) const {
    if (std::find(spec.paths.begin(), spec.paths.end(), req.path) == spec.paths.end()) {
      return "wrong path " + req.path;
    }
    if (req.get_header_value("Content-Type").find("application/json") != 0) return "content-type is not JSON";
    if (!body.is_object()) return "body is not a JSON object";
    for (const auto& [key, value] : body.items()) {
      if (!spec.allowed.count(key)) return "unknown field '" + key + "'";
    }
    for (const std::string& key : spec.required) {
      if (!body.contains(key)) return "missing field '" + key + "'";
    }
    if (body.contains("model") && !(body["model"].is_string() && !body["model"].get<std::string>().empty())) {
      return "model must be a non-empty string";
    }
    if (!body["query"].is_string()) return "query must be a string";
    if (dialect == "isaacus" && !has_non_space(body["query"].get<std::string>())) return "query is blank";
    const Json& docs = body[spec.docs_field];
    if (!docs.is_array() || docs.empty()) return spec.docs_field + " must be a non-empty array";
    for (const Json& d : docs) {
      if (dialect == "pinecone") {
        if (!d.is_object() || !d.contains("text") || !d["text"].is_string()) return "documents must be {id, text}";
        for (const auto& [k, v] : d.items()) {
          if (k != "id" && k != "text") return "unknown document field '" + k + "'";
          if (!v.is_string()) return "document fields must be strings";
        }
      } else if (dialect == "jina" || dialect == "llamacpp") {
        if (!d.is_string() && !(d.is_object() && d.contains("text") && d["text"].is_string())) {
          return "documents must be strings or {text}";
        }
      } else if (!d.is_string()) {
        return spec.docs_field + " must be strings";
      }
      if (dialect == "isaacus" && !has_non_space(d.get<std::string>())) return "a text is blank";
    }
    for (const char* k : {"top_n", "top_k", "max_tokens_per_doc"}) {
      if (body.contains(k) && !is_positive_int(body[k])) return std::string(k) + " must be an integer >= 1";
    }
    for (const char* k : {"return_documents", "return_input", "truncation", "raw_scores", "return_text", "truncate",
                          "is_iql"}) {
      if (body.contains(k) && !body[k].is_boolean()) return std::string(k) + " must be a boolean";
    }
    if (body.contains("truncation_direction")) {
      const Json& v = body["truncation_direction"];
      if (!v.is_string() || (v != "Left" && v != "Right" && v != "left" && v != "right")) {
        return "truncation_direction must be Left or Right";
      }
    }
    if (body.contains("parameters")) {
      const Json& p = body["parameters"];
      if (!p.is_object()) return "parameters must be an object";
      for (const auto& [k, v] : p.items()) {
        if (k != "truncate") return "unknown parameter '" + k + "'";
        if (v != "END" && v != "NONE") return "parameters.truncate must be END or NONE";
      }
    }
    return "";
  }

  std::string check_auth(const httplib::Request& req) const {
    if (dialect == "pinecone") {
      if (req.get_header_value("X-Pinecone-API-Version").empty()) return "missing X-Pinecone-API-Version";
      // Echoes what it got, as some real servers do: clients must redact their key.
      if (req.get_header_value("Api-Key") != api_key) return "bad Api-Key '" + req.get_header_value("Api-Key") + "'";
      return "";
    }
    if (api_key.empty()) return "";
    if (req.get_header_value("Authorization") != "Bearer " + api_key) {
      return "bad Authorization '" + req.get_header_value("Authorization") + "'";
    }
    return "";
  }

  void reject(httplib::Response& res, int status, const std::string& why) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      rejected.push_back(why);
    }
    res.status = status;
    res.set_content(Json{{"message", why}}.dump(), "application/json");
  }

  // The body a real provider would send for these (index, score) results, best first.
  Json render(const std::vector<std::pair<long long, Json>>& results, std::size_t n, const Json& request) const {
    Json items = Json::array();
    const bool relevance = dialect == "cohere" || dialect == "jina" || dialect == "voyage" ||
                           dialect == "llamacpp" || dialect == "rerank-server";
    for (const auto& [index, score] : results) {
      items.push_back({{"index", index}, {relevance ? "relevance_score" : "score", score}});
    }
    const Json model = request.value("model", "fake-model");
    const std::size_t tokens = 7 * n;
    if (dialect == "cohere") {
      return {{"id", "fake-id"}, {"results", items},
              {"meta", {{"api_version", {{"version", "2"}}}, {"billed_units", {{"search_units", (n + 99) / 100}}}}}};
    }
    if (dialect == "jina") return {{"model", model}, {"usage", {{"total_tokens", tokens}}}, {"results", items}};
    if (dialect == "voyage") {
      return {{"object", "list"}, {"data", items}, {"model", model}, {"usage", {{"total_tokens", tokens}}}};
    }
    if (dialect == "mixedbread") {
      for (Json& item : items) item["object"] = "rank_result";
      return {{"object", "list"}, {"data", items}, {"model", model},
              {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}},
              {"top_k", request.value("top_k", 100)}, {"return_input", false}};
    }
    if (dialect == "pinecone") return {{"model", model}, {"data", items}, {"usage", {{"rerank_units", 1}}}};
    if (dialect == "isaacus") return {{"results", items}, {"usage", {{"input_tokens", tokens}}}};
    if (dialect == "tei") return items;
    return {{"id", "fake-id"}, {"model", model}, {"object", "list"},
            {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}, {"results", items}};
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    FakeRequest entry;
    entry.arrival_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    entry.path = req.path;
    for (const auto& [k, v] : req.headers) {
      std::string name = k;
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      entry.headers[name] = v;
    }
    Json body;
    try {
      body = Json::parse(req.body);
    } catch (const Json::exception&) {
      body = nullptr;
    }
    entry.body = body;
    FaultSpec fault;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++count;
      log.push_back(entry);
      if (!faults.empty()) {
        fault = faults.front();
        faults.erase(faults.begin());
      }
    }
    if (std::string why = check_auth(req); !why.empty()) return reject(res, 401, "auth: " + why);
    if (std::string why = check(req, body); !why.empty()) return reject(res, 400, why);
    const Json& docs = body[spec.docs_field];
    const std::size_t n = docs.size();
    if (n > spec.max_documents) {
      return reject(res, dialect == "tei" ? 413 : 422,
                    "too many documents: " + std::to_string(n) + " > " + std::to_string(spec.max_documents));
    }

    std::vector<std::pair<long long, Json>> results;
    for (std::size_t i = 0; i < n; ++i) {
      const Json& d = docs[i];
      const std::string text = d.is_string() ? d.get<std::string>() : d["text"].get<std::string>();
      results.emplace_back(static_cast<long long>(i), fake_score(text));
    }
    std::stable_sort(results.begin(), results.end(),
                     [](const auto& a, const auto& b) { return a.second.template get<double>() > b.second.template get<double>(); });
    for (const char* k : {"top_n", "top_k"}) {
      if (body.contains(k) && body[k].get<std::size_t>() < results.size()) results.resize(body[k].get<std::size_t>());
    }

    switch (fault.fault) {
      case Fault::Status429:
      case Fault::Status503:
        res.status = fault.fault == Fault::Status429 ? 429 : 503;
        if (!fault.retry_after.empty()) res.set_header("Retry-After", fault.retry_after);
        res.set_content(R"({"message":"slow down"})", "application/json");
        return;
      case Fault::Status500:
        res.status = 500;
        res.set_content(R"({"message":"internal error"})", "application/json");
        return;
      case Fault::Status401:
        res.status = 401;
        res.set_content(R"({"message":"invalid api token"})", "application/json");
        return;
      case Fault::Recorded:
        res.status = fault.status;
        res.set_content(fault.body, "application/json");
        return;
      case Fault::WrongIndex:
        results.back().first = static_cast<long long>(n + 5);
        break;
      case Fault::DuplicateIndex:
        if (results.size() > 1) results[1].first = results[0].first;
        break;
      case Fault::MissingResult:
        results.pop_back();
        break;
      case Fault::NullScore:
        results[0].second = nullptr;
        break;
      default:
        break;
    }
    std::string text = render(results, n, body).dump();
    if (fault.fault == Fault::MalformedJson) text = text.substr(0, text.size() / 2);
    if (fault.fault == Fault::NaNLiteral) {
      // Replace the first score's value with NaN, as Python's json.dumps writes it.
      const std::string key = text.find("relevance_score") != std::string::npos ? "\"relevance_score\":" : "\"score\":";
      const auto at = text.find(key) + key.size();
      const auto end = text.find_first_of(",}", at);
      text.replace(at, end - at, "NaN");
    }
    if (fault.fault == Fault::SlowBody) {
      const int delay = fault.delay_ms;
      res.set_chunked_content_provider("application/json", [this, text, delay](std::size_t offset, httplib::DataSink& sink) {
        if (offset == 0) {
          sink.write(text.data(), text.size() / 2);
          return true;
        }
        for (int waited = 0; waited < delay && !stopping; waited += 10) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        sink.write(text.data() + text.size() / 2, text.size() - text.size() / 2);
        sink.done();
        return true;
      });
      return;
    }
    if (fault.fault == Fault::DropConnection) {
      res.set_content_provider(text.size(), "application/json",
                               [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
      return;
    }
    res.set_content(text, "application/json");
  }
};

FakeApiServer::FakeApiServer(std::string dialect, std::string api_key) : impl_(std::make_unique<Impl>()) {
  impl_->dialect = std::move(dialect);
  impl_->api_key = std::move(api_key);
  impl_->spec = spec_for(impl_->dialect);
  impl_->server.new_task_queue = [] { return new httplib::ThreadPool(32); };
  impl_->server.set_keep_alive_max_count(1);  // one request per connection: quick shutdown
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { impl_->handle(req, res); };
  impl_->server.Post(R"(/.*)", handler);
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) throw std::runtime_error("fake server: cannot bind 127.0.0.1");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeApiServer::~FakeApiServer() {
  impl_->stopping = true;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string FakeApiServer::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void FakeApiServer::set_max_documents(std::size_t n) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->spec.max_documents = n;
}

void FakeApiServer::push_faults(const std::vector<FaultSpec>& faults) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.insert(impl_->faults.end(), faults.begin(), faults.end());
}

std::size_t FakeApiServer::request_count() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->count;
}

std::vector<FakeRequest> FakeApiServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->log;
}

std::vector<std::string> FakeApiServer::rejections() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->rejected;
}

namespace {

io::HttpResponse post(const FakeApiServer& server, const std::string& path, const nlohmann::json& body,
                      std::vector<std::pair<std::string, std::string>> headers) {
  io::HttpRequest req;
  req.url = server.url() + path;
  req.method = io::HttpMethod::Post;
  req.body = body.dump();
  req.headers = std::move(headers);
  req.headers.emplace_back("Content-Type", "application/json");
  return io::http_fetch(req);
}

const std::vector<std::pair<std::string, std::string>> kBearer = {{"Authorization", "Bearer test-secret-key"}};

TEST(ApiFakeServer, AcceptsTheDocumentedCohereShape) {
  FakeApiServer server("cohere");
  auto r = post(server, "/v2/rerank", {{"model", "rerank-v3.5"}, {"query", "q"}, {"documents", {"a", "b"}}, {"top_n", 2}},
                kBearer);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(server.rejections().empty());
}

TEST(ApiFakeServer, RejectsDeviationsFromEachDialect) {
  struct Case {
    std::string dialect, path;
    nlohmann::json body;
    std::vector<std::pair<std::string, std::string>> headers;
    long status;
  };
  const std::vector<Case> cases = {
      {"cohere", "/v2/rerank", {{"query", "q"}, {"documents", {"a"}}}, kBearer, 400},  // no model
      {"cohere", "/v2/rerank", {{"model", "m"}, {"query", "q"}, {"documents", {"a"}}, {"return_documents", true}},
       kBearer, 400},  // v1-only field
      {"cohere", "/v2/rerank", {{"model", "m"}, {"query", "q"}, {"documents", {"a"}}}, {}, 401},
      {"cohere", "/v1/rerank", {{"model", "m"}, {"query", "q"}, {"documents", {"a"}}}, kBearer, 400},
      {"voyage", "/v1/rerank", {{"model", "m"}, {"query", "q"}, {"documents", {"a"}}, {"top_n", 1}}, kBearer, 400},
      {"mixedbread", "/v1/reranking", {{"model", "m"}, {"query", "q"}, {"documents", {"a"}}}, kBearer, 400},
      {"pinecone", "/rerank", {{"model", "m"}, {"query", "q"}, {"documents", {"a"}}},
       {{"Api-Key", "test-secret-key"}, {"X-Pinecone-API-Version", "2025-04"}}, 400},  // strings, not {text}
      {"pinecone", "/rerank", {{"model", "m"}, {"query", "q"}, {"documents", {{{"text", "a"}}}}},
       {{"Api-Key", "test-secret-key"}}, 401},  // no version header
      {"pinecone", "/rerank", {{"model", "m"}, {"query", "q"}, {"documents", {{{"text", "a"}}}}}, kBearer, 401},
      {"isaacus", "/v1/rerankings", {{"model", "m"}, {"query", " "}, {"texts", {"a"}}}, kBearer, 400},
      {"tei", "/rerank", {{"query", "q"}, {"documents", {"a"}}}, {}, 400},
      {"tei", "/rerank", {{"query", "q"}, {"texts", {"a"}}, {"raw_scores", "yes"}}, {}, 400},
  };
  for (const Case& c : cases) {
    FakeApiServer server(c.dialect, c.dialect == "tei" ? "" : "test-secret-key");
    auto r = post(server, c.path, c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.dialect << " " << c.body.dump() << " -> " << r.body;
    EXPECT_EQ(server.rejections().size(), 1u) << c.dialect << " " << c.body.dump();
  }
}

TEST(ApiFakeServer, TeiEnforcesItsClientBatchSize) {
  FakeApiServer server("tei", "");
  nlohmann::json texts = nlohmann::json::array();
  for (int i = 0; i < 33; ++i) texts.push_back("t" + std::to_string(i));
  auto r = post(server, "/rerank", {{"query", "q"}, {"texts", texts}}, {});
  EXPECT_EQ(r.status, 413);
}

}  // namespace

}  // namespace rerank::testing
