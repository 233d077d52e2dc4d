// Methods, OPTIONS, CORS and authentication on every route: a wrong method is 405 with
// Allow, OPTIONS answers, CORS is off unless origins are allowed, and with --api-key no route
// open to everyone shows what /v1/models protects.
#include <gtest/gtest.h>

#include "serve_test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;

struct RouteSpec {
  const char* path;
  const char* method;
  bool needs_key;  // with --api-key set (docs/server.md, "Routes and authentication")
};

// Every route the server has; docs/server.md lists the same table.
const RouteSpec kRoutes[] = {
    {"/v1/rerank", "POST", true}, {"/v2/rerank", "POST", true},   {"/rerank", "POST", true},
    {"/v1/reranking", "POST", true}, {"/", "POST", true},         {"/health", "GET", false},
    {"/ready", "GET", false},     {"/.well-known/ready", "GET", false}, {"/.well-known/live", "GET", false},
    {"/meta", "GET", true},       {"/info", "GET", true},         {"/v1/models", "GET", true},
    {"/metrics", "GET", true},
};

std::string request(int port, const std::string& method, const std::string& path, const std::string& headers = "",
                    const std::string& body = "") {
  RawConnection c(port);
  c.send_all(method + " " + path + " HTTP/1.1\r\nHost: t\r\n" + headers +
             (body.empty() && method != "POST" ? "" : "Content-Length: " + std::to_string(body.size()) + "\r\n") +
             "\r\n" + body);
  return c.read_response();
}

const std::string kBody = json{{"query", "red"}, {"documents", {"a red fox"}}, {"texts", nullptr}}.dump();

TEST(ServeRoutes, WrongMethodIs405WithAllowOnEveryRoute) {
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}});
  for (const RouteSpec& r : kRoutes) {
    for (const std::string method : {"GET", "POST", "PUT", "DELETE", "PATCH", "TRACE", "BREW"}) {
      if (method == r.method) continue;
      const std::string res = request(handle->port, method, r.path, "", method == "GET" ? "" : "{}");
      ASSERT_EQ(status_of(res), 405) << method << " " << r.path << ": " << res.substr(0, 200);
      const std::string allow = header_of(res, "Allow");
      EXPECT_NE(allow.find(r.method), std::string::npos) << r.path << " Allow: " << allow;
      EXPECT_NE(allow.find("OPTIONS"), std::string::npos);
      EXPECT_TRUE(parse(body_of(res)).contains("message")) << body_of(res);
    }
  }
  EXPECT_EQ(status_of(request(handle->port, "GET", "/v3/rerank")), 404);
  EXPECT_EQ(status_of(request(handle->port, "DELETE", "/nowhere")), 404);
}

TEST(ServeRoutes, OptionsAnswersTheAllowedMethodsAndHeadServesGets) {
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}});
  for (const RouteSpec& r : kRoutes) {
    // With an Origin, so that the missing CORS header says CORS is off, not that none was asked.
    const std::string res = request(handle->port, "OPTIONS", r.path, "Origin: https://app.example\r\n");
    ASSERT_EQ(status_of(res), 204) << r.path << ": " << res;
    EXPECT_NE(header_of(res, "Allow").find(r.method), std::string::npos);
    EXPECT_TRUE(header_of(res, "Access-Control-Allow-Origin").empty());
  }
  // HEAD, then a GET pipelined on the same connection: a body after the HEAD's head would be
  // read as the start of the GET's response.
  RawConnection c(handle->port);
  c.send_all("HEAD /health HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string head = c.read_response(std::chrono::seconds(20), false);
  ASSERT_EQ(status_of(head), 200) << head;
  EXPECT_NE(header_of(head, "Content-Length"), "0");  // the length a GET's body would have
  const std::string get = c.read_response(std::chrono::seconds(20));
  ASSERT_EQ(status_of(get), 200) << get;
  EXPECT_EQ(body_of(get).size(), std::stoul(header_of(head, "Content-Length")));
}

TEST(ServeRoutes, CorsIsOffByDefaultAndOnlyForAllowedOrigins) {
  const std::string origin = "Origin: https://app.example\r\n";
  const std::string preflight = origin + "Access-Control-Request-Method: POST\r\n"
                                         "Access-Control-Request-Headers: authorization, content-type\r\n";
  {
    auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}});
    EXPECT_TRUE(header_of(request(handle->port, "OPTIONS", "/v1/rerank", preflight), "Access-Control-Allow-Origin").empty());
    EXPECT_TRUE(header_of(request(handle->port, "POST", "/v1/rerank", origin, kBody), "Access-Control-Allow-Origin").empty());
  }
  ServerOptions options;
  options.cors_origins = {"https://app.example"};
  options.api_key = "k";
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}}, options);
  // The preflight carries no key (browsers never send one) and is answered.
  std::string res = request(handle->port, "OPTIONS", "/v1/rerank", preflight);
  EXPECT_EQ(status_of(res), 204);
  EXPECT_EQ(header_of(res, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_NE(header_of(res, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(header_of(res, "Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  res = request(handle->port, "POST", "/v1/rerank", origin + "Authorization: Bearer k\r\n", kBody);
  EXPECT_EQ(status_of(res), 200);
  EXPECT_EQ(header_of(res, "Access-Control-Allow-Origin"), "https://app.example");
  // Errors carry it too, so a page can read why it was refused.
  EXPECT_EQ(header_of(request(handle->port, "POST", "/v1/rerank", origin, kBody), "Access-Control-Allow-Origin"),
            "https://app.example");
  res = request(handle->port, "OPTIONS", "/v1/rerank", "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n");
  EXPECT_TRUE(header_of(res, "Access-Control-Allow-Origin").empty());
}

TEST(ServeRoutes, WithAKeyOpenRoutesExposeNothingTheKeyProtects) {
  // A name that is a filesystem path, as a local checkpoint's spec is.
  const std::string name = "/srv/private/checkpoints/reranker-ce";
  ServerOptions options;
  options.api_key = "route-key";
  auto handle = start_server({{name, std::make_shared<WordCountRanker>()}}, options);
  // Something in /metrics first, so a leak there would show.
  request(handle->port, "POST", "/v1/rerank", "Authorization: Bearer route-key\r\n", kBody);
  for (const RouteSpec& r : kRoutes) {
    const std::string body = std::string(r.method) == "POST" ? kBody : "";
    for (const std::string auth : {"", "Authorization: Bearer wrong\r\n", "Authorization: route-key-and-more\r\n"}) {
      const std::string res = request(handle->port, r.method, r.path, auth, body);
      if (r.needs_key) {
        EXPECT_EQ(status_of(res), 401) << r.path << " " << auth << res.substr(0, 200);
        EXPECT_EQ(header_of(res, "WWW-Authenticate"), "Bearer");
      } else {
        EXPECT_EQ(status_of(res) / 100, 2) << r.path << ": " << res.substr(0, 200);  // a real 2xx, not 0
      }
      for (const std::string& secret : {name, std::string("word-count"), std::string("checkpoints")}) {
        EXPECT_EQ(res.find(secret), std::string::npos) << r.path << " shows '" << secret << "': " << res;
      }
    }
    // With the key every route answers.
    const std::string res = request(handle->port, r.method, r.path, "Authorization: Bearer route-key\r\n", body);
    EXPECT_EQ(status_of(res) / 100, 2) << r.path << ": " << res.substr(0, 200);
  }
  // Wrong methods, unknown routes and OPTIONS say nothing about the models either.
  for (const std::string& res : {request(handle->port, "PUT", "/meta"), request(handle->port, "GET", "/nothing"),
                                 request(handle->port, "OPTIONS", "/v1/models")}) {
    EXPECT_EQ(res.find(name), std::string::npos) << res;
  }
  // The key's holder still sees the models on /ready.
  EXPECT_NE(request(handle->port, "GET", "/ready", "Authorization: Bearer route-key\r\n").find(name), std::string::npos);
}

}  // namespace
}  // namespace rerank::serve::testing
