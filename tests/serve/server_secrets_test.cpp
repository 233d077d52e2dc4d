// The upstream API key never shows in an error: an upstream that echoes the request headers
// back in 2xx, 4xx and 5xx answers and in malformed bodies, and every place an error goes
// (rank's stderr and stdout, serve's response bodies, its log, /metrics) is searched for it.
#include <gtest/gtest.h>

#include "serve_process.hpp"
#include "serve_test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kKey = "sk-test-SECRET-0123456789abcdef";
// The key, and pieces of it a truncation could leave behind.
const std::vector<std::string> kKeyParts = {kKey, "SECRET-0123", "0123456789abcdef"};

struct EchoCase {
  const char* name;
  int status;
  const char* content_type;
  std::string (*body)(const std::string& authorization);
};

const EchoCase kCases[] = {
    {"2xx text", 200, "text/plain", [](const std::string& a) { return "you sent Authorization: " + a; }},
    {"2xx JSON without results", 200, "application/json",
     [](const std::string& a) { return json{{"echo", a}}.dump(); }},
    {"2xx JSON with the key in the results", 200, "application/json",
     [](const std::string& a) { return json{{"results", {{{"index", a}, {"relevance_score", a}}}}}.dump(); }},
    {"2xx truncated JSON", 200, "application/json",
     [](const std::string& a) { return "{\"authorization\": \"" + a + "\", \"results\": ["; }},
    {"2xx unterminated string", 200, "application/json", [](const std::string& a) { return "{\"x\": \"" + a; }},
    {"2xx invalid UTF-8", 200, "application/json",
     [](const std::string& a) { return std::string("\xff\xfe{") + a + "\xc3\x28"; }},
    {"2xx NaN", 200, "application/json",
     [](const std::string& a) { return "{\"results\":[{\"index\":0,\"relevance_score\":NaN}],\"a\":\"" + a + "\"}"; }},
    {"2xx nested without bound", 200, "application/json",
     [](const std::string& a) {
       return R"({"results":[{"index":0,"relevance_score":1.0},{"index":1,"relevance_score":0.5}],"usage":)" +
              std::string(100000, '[') + "\"" + a + "\"" + std::string(100000, ']') + "}";
     }},
    {"401", 401, "application/json", [](const std::string& a) { return json{{"message", "bad key " + a}}.dump(); }},
    {"400 text", 400, "text/plain", [](const std::string& a) { return "bad request from " + a; }},
    {"422 detail", 422, "application/json", [](const std::string& a) { return json{{"detail", {{"message", a}}}}.dump(); }},
    {"500", 500, "text/html", [](const std::string& a) { return "<html>" + std::string(400, ' ') + a + "</html>"; }},
    {"503", 503, "application/json", [](const std::string& a) { return json{{"error", a}}.dump(); }},
};

// Answers every request with the current case, echoing the Authorization header it got.
struct EchoUpstream {
  httplib::Server http;
  std::thread thread;
  int port = 0;
  std::atomic<std::size_t> which{0};
  std::atomic<int> requests{0};
  EchoUpstream() {
    http.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      const EchoCase& c = kCases[which.load()];
      res.status = c.status;
      if (c.status == 503) res.set_header("Retry-After", "100000");
      res.set_content(c.body(req.get_header_value("Authorization")), c.content_type);
    });
    port = http.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { http.listen_after_bind(); });
  }
  ~EchoUpstream() {
    http.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

void expect_no_key(const std::string& where, const std::string& text) {
  for (const std::string& part : kKeyParts) {
    EXPECT_EQ(text.find(part), std::string::npos) << where << " shows '" << part << "':\n" << text;
  }
}

TEST(ServeSecrets, RankNeverPrintsTheKey) {
  EchoUpstream upstream;
  rerank::testing::TempDir dir;
  rerank::testing::write_file(dir / "docs.tsv", "d1\tfirst document\nd2\tsecond document\n");
  for (std::size_t i = 0; i < std::size(kCases); ++i) {
    upstream.which = i;
    const int before = upstream.requests.load();
    const auto r = rerank::testing::run_cli("rank -m rerank:" + upstream.url() + " --api-key " + kKey +
                                            " --param retries=0 -q query -d " + (dir / "docs.tsv").string());
    EXPECT_GT(upstream.requests.load(), before) << kCases[i].name << ": the upstream was not called: " << r.err;
    // A typed error (exit 3-5 with a message), not a crash.
    EXPECT_TRUE(r.exit_code > 0 && r.exit_code < 128) << kCases[i].name << ": exit " << r.exit_code;
    EXPECT_NE(r.err.find("error"), std::string::npos) << kCases[i].name << ": " << r.err;
    expect_no_key(std::string("rank stderr, ") + kCases[i].name, r.err);
    expect_no_key(std::string("rank stdout, ") + kCases[i].name, r.out);
  }
}

TEST(ServeSecrets, ServeNeverAnswersOrLogsTheKey) {
  EchoUpstream upstream;
  ServeProcess serve({"--model", "rerank:" + upstream.url(), "--upstream-api-key", kKey, "--param", "retries=0",
                      "--port", "0"});
  ASSERT_GT(serve.port(), 0) << serve.stderr_text();
  httplib::Client c("127.0.0.1", serve.port());
  c.set_read_timeout(60, 0);
  const std::string body = json{{"query", "q"}, {"documents", {"a", "b"}}}.dump();
  for (std::size_t i = 0; i < std::size(kCases); ++i) {
    upstream.which = i;
    for (const char* route : {"/v1/rerank", "/v2/rerank", "/rerank"}) {
      auto res = c.Post(route, body, "application/json");
      ASSERT_TRUE(res) << kCases[i].name;
      EXPECT_GE(res->status, 400) << kCases[i].name << ": " << res->body;
      expect_no_key(std::string("serve body, ") + kCases[i].name + " " + route, res->body);
      for (const auto& [name, value] : res->headers) expect_no_key("serve header " + name, value);
    }
  }
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  expect_no_key("/metrics", metrics->body);
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(30s), 0);
  expect_no_key("serve log", serve.stderr_text());
}

}  // namespace
}  // namespace rerank::serve::testing
