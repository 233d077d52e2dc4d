// What a hostile request body can do: nest JSON without bound, frame its body any way HTTP
// allows, or claim any content type. Each is refused with a clear status (or served), never a
// crash, an unbounded allocation or a limit that depends on the framing.
#include <gtest/gtest.h>

#include "serve_test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;

const char* const kRerankRoutes[] = {"/v1/rerank", "/v2/rerank", "/v1/reranking", "/rerank", "/"};

// `depth` arrays around a number, written as text: building it with nlohmann would recurse.
std::string nested(std::size_t depth, char open = '[', char close = ']') {
  std::string inner = "1";
  if (open == '{') {
    std::string s;
    for (std::size_t i = 0; i < depth; ++i) s += "{\"k\":";
    s += "1";
    s.append(depth, '}');
    return s;
  }
  return std::string(depth, open) + inner + std::string(depth, close);
}

// A request for `route` with `value` placed in the document list (and, for Mixedbread, as
// `input`), so every dialect reads it.
std::string body_with(const std::string& route, const std::string& documents) {
  if (route == "/v1/reranking") return R"({"query":"a","input":)" + documents + "}";
  return R"({"query":"a","documents":)" + documents + "}";
}

std::string post_raw(int port, const std::string& path, const std::string& body,
                     const std::string& extra_headers = "Content-Type: application/json\r\n") {
  RawConnection c(port);
  c.send_all("POST " + path + " HTTP/1.1\r\nHost: t\r\n" + extra_headers +
             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  return c.read_response();
}

std::string post_chunked(int port, const std::string& path, const std::string& chunked_body,
                         const std::string& coding = "chunked") {
  RawConnection c(port);
  c.send_all("POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: " + coding +
             "\r\n\r\n" + chunked_body);
  return c.read_response();
}

class RequestLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.max_request_bytes = 64 * 1024;
    handle_ = start_server({{"word-count", std::make_shared<WordCountRanker>()}}, options);
  }
  bool healthy() {
    auto c = handle_->client();
    auto r = c.Get("/health");
    return r && r->status == 200;
  }
  std::unique_ptr<ServerHandle> handle_;
};

TEST(RequestLimitsDepth, DeepNestingAnywhereIs400NamingTheLimit) {
  // 100,000 levels (the crash), just past the default, as arrays and as objects, inside a
  // document object, next to its "text", in the query, in an unknown field, as the body.
  // Default options: 4 MiB bodies, depth 64.
  auto handle_ = start_server({{"word-count", std::make_shared<WordCountRanker>()}});
  for (const std::string route : kRerankRoutes) {
    const std::vector<std::string> bodies = {
        body_with(route, "[{\"a\":" + nested(100000) + "}]"),
        body_with(route, "[{\"text\":\"x\",\"meta\":" + nested(65) + "}]"),
        body_with(route, "[{\"text\":\"x\",\"meta\":" + nested(70, '{', '}') + "}]"),
        body_with(route, "[" + nested(63) + "]"),
        R"({"query":)" + nested(5000) + R"(,"documents":["a"],"input":["a"]})",
        R"({"query":"a","documents":["a"],"input":["a"],"extra":)" + nested(64) + "}",
        nested(100000),
    };
    for (const std::string& body : bodies) {
      const std::string res = post_raw(handle_->port, route, body);
      ASSERT_EQ(status_of(res), 400) << route << " " << body.substr(0, 60) << ": " << res.substr(0, 300);
      EXPECT_NE(body_of(res).find("--max-json-depth"), std::string::npos) << body_of(res);
      EXPECT_NE(body_of(res).find("64"), std::string::npos) << body_of(res);
    }
    auto c = handle_->client();
    ASSERT_EQ(c.Get("/health")->status, 200) << route;
  }
}

TEST_F(RequestLimits, NestingUpToTheLimitIsServedAndReturnedIntact) {
  // The body's object (1), the documents array (2), the document (3), 61 arrays: 64 levels.
  const std::string deep = nested(61);
  const std::string body =
      R"({"query":"a","return_documents":true,"documents":[{"text":"a b","meta":)" + deep + "}]}";
  const std::string res = post_raw(handle_->port, "/v1/rerank", body);
  ASSERT_EQ(status_of(res), 200) << res.substr(0, 300);
  EXPECT_NE(body_of(res).find(deep), std::string::npos);
}

TEST(RequestLimitsOption, MaxJsonDepthIsConfigurable) {
  ServerOptions options;
  options.max_json_depth = 4;
  auto handle = start_server({{"w", std::make_shared<WordCountRanker>()}}, options);
  // object, documents array, document object, [1]: 4 levels.
  EXPECT_EQ(status_of(post_raw(handle->port, "/v1/rerank", R"({"query":"a","documents":[{"text":"a","m":[1]}]})")),
            200);
  const std::string res = post_raw(handle->port, "/v1/rerank", R"({"query":"a","documents":[{"text":"a","m":[[1]]}]})");
  EXPECT_EQ(status_of(res), 400);
  EXPECT_NE(body_of(res).find("4 levels"), std::string::npos) << res;
}

TEST_F(RequestLimits, ChunkedBodiesAreHeldToTheSameLimit) {
  const std::string small = json{{"query", "red"}, {"documents", {"a red fox", "blue"}}}.dump();
  // Served, however it is cut.
  for (std::size_t cut : {1u, 7u, 4096u}) {
    const std::string res = post_chunked(handle_->port, "/v1/rerank", chunked(small, cut));
    EXPECT_EQ(status_of(res), 200) << cut << ": " << res.substr(0, 200);
  }
  // Over --max-request-bytes (64 KiB here): 413, whether in one chunk or many small ones,
  // and the server neither reads nor keeps the rest.
  const std::string big = json{{"query", "red"}, {"documents", {std::string(70 * 1024, 'x')}}}.dump();
  for (std::size_t cut : {1024u, 70u * 1024u}) {
    const std::string res = post_chunked(handle_->port, "/v1/rerank", chunked(big, cut));
    EXPECT_EQ(status_of(res), 413) << cut << ": " << res.substr(0, 200);
    EXPECT_NE(body_of(res).find("--max-request-bytes"), std::string::npos);
    EXPECT_EQ(header_of(res, "Connection"), "close");
  }
  // A chunk size no body could have, announced before any data.
  EXPECT_EQ(status_of(post_chunked(handle_->port, "/v1/rerank", "FFFFFFFFFFFFFFFFFFFF\r\n")), 413);
  EXPECT_EQ(status_of(post_chunked(handle_->port, "/v1/rerank", "100000\r\n")), 413);
  // Malformed framing is 400, unknown codings 501: nothing is guessed.
  EXPECT_EQ(status_of(post_chunked(handle_->port, "/v1/rerank", "zz\r\nab\r\n0\r\n\r\n")), 400);
  EXPECT_EQ(status_of(post_chunked(handle_->port, "/v1/rerank", "2\r\nabc\r\n0\r\n\r\n")), 400);
  EXPECT_EQ(status_of(post_chunked(handle_->port, "/v1/rerank", chunked(small, 5), "gzip, chunked")), 501);
  EXPECT_EQ(status_of(post_chunked(handle_->port, "/v1/rerank", chunked(small, 5), "identity")), 501);
  {
    RawConnection c(handle_->port);
    c.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" +
               chunked(small, 5));
    EXPECT_EQ(status_of(c.read_response()), 400);  // both framings: a smuggling attempt
  }
  EXPECT_TRUE(healthy());
}

TEST_F(RequestLimits, ContentLengthOverTheLimitIs413BeforeTheBodyIsRead) {
  RawConnection c(handle_->port);
  c.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999999\r\n\r\n");
  const std::string res = c.read_response();
  EXPECT_EQ(status_of(res), 413);
  EXPECT_NE(body_of(res).find("--max-request-bytes"), std::string::npos);
  auto head_only = [this](const std::string& headers) {
    RawConnection r(handle_->port);
    r.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n{}");
    return status_of(r.read_response());
  };
  EXPECT_EQ(head_only("Content-Length: 99999999999999999999999\r\n"), 413);
  EXPECT_EQ(head_only("Content-Length: 12abc\r\n"), 400);
  EXPECT_EQ(head_only("Content-Length: -1\r\n"), 400);
  EXPECT_EQ(head_only("Content-Length: 2\r\nContent-Length: 3\r\n"), 400);
}

TEST_F(RequestLimits, ExpectContinueIsAnsweredOrRefusedBeforeTheBodyIsSent) {
  const std::string body = json{{"query", "red"}, {"documents", {"a red fox"}}}.dump();
  RawConnection c(handle_->port);
  c.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n");
  // The interim answer comes before any body byte, and is exactly a 100 Continue.
  std::string interim;
  while (interim.find("\r\n\r\n") == std::string::npos) {
    pollfd p{c.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 10000), 1) << "no interim response: " << interim;
    char byte;
    ASSERT_EQ(::recv(c.fd(), &byte, 1, 0), 1);
    interim += byte;
  }
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  c.send_all(body);
  EXPECT_EQ(status_of(c.read_response()), 200);
  // A body the server refuses gets its final answer at once, and no 100 before it.
  RawConnection big(handle_->port);
  big.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 100000000\r\n\r\n");
  std::string first;
  while (first.size() < 12) {
    pollfd p{big.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 10000), 1);
    char buf[12];
    const ssize_t n = ::recv(big.fd(), buf, 12 - first.size(), 0);
    ASSERT_GT(n, 0);
    first.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(first, "HTTP/1.1 413");
}

TEST_F(RequestLimits, AnyContentTypeGetsTheBodyLimitNotAFormLimit) {
  // curl -d sends application/x-www-form-urlencoded; the body is still JSON and is served up
  // to --max-request-bytes, whatever the type says.
  json docs = json::array();
  for (int i = 0; i < 400; ++i) docs.push_back("document number " + std::to_string(i) + " about a red fox");
  const std::string body = json{{"query", "red"}, {"documents", docs}, {"top_n", 1}}.dump();
  ASSERT_GT(body.size(), 8192u);
  ASSERT_LT(body.size(), 64u * 1024u);
  for (const std::string type : {"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x",
                                 "application/octet-stream", "application/json; charset=utf-8"}) {
    const std::string res = post_raw(handle_->port, "/v1/rerank", body, "Content-Type: " + type + "\r\n");
    EXPECT_EQ(status_of(res), 200) << type << ": " << res.substr(0, 300);
  }
  EXPECT_EQ(status_of(post_raw(handle_->port, "/v1/rerank", body, "")), 200);  // no Content-Type at all
  const std::string over = json{{"query", "red"}, {"documents", {std::string(70 * 1024, 'x')}}}.dump();
  EXPECT_EQ(status_of(post_raw(handle_->port, "/v1/rerank", over, "Content-Type: application/x-www-form-urlencoded\r\n")),
            413);
}

TEST_F(RequestLimits, CompressedBodiesAreRefusedNotMisread) {
  const std::string res = post_raw(handle_->port, "/v1/rerank", "\x1f\x8b garbage", "Content-Encoding: gzip\r\n");
  EXPECT_EQ(status_of(res), 415);
}

TEST_F(RequestLimits, PipelinedRequestsAreAnsweredInOrder) {
  const std::string a = json{{"query", "red"}, {"documents", {"red"}}}.dump();
  const std::string b = "{\"query\": ";
  RawConnection c(handle_->port);
  c.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(a.size()) + "\r\n\r\n" + a +
             "POST /v2/rerank HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(b.size()) + "\r\n\r\n" + b +
             "GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_EQ(status_of(c.read_response()), 400);
  EXPECT_EQ(status_of(c.read_response()), 200);
}

TEST_F(RequestLimits, OversizedHeadersAre431) {
  RawConnection c(handle_->port);
  c.send_all("GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 431);
  EXPECT_TRUE(healthy());
}

}  // namespace
}  // namespace rerank::serve::testing
