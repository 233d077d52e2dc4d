// The incremental HTTP request parser: the same request whatever the bytes' split, limits
// enforced while reading for every framing, malformed framing refused.
#include <gtest/gtest.h>

#include "serve/http/request_reader.hpp"
#include "serve_test_support.hpp"

namespace rerank::serve::http {
namespace {

// Feeds `bytes` in pieces of `step`; returns the reader after the first request ends.
RequestReader read_in_steps(const std::string& bytes, std::size_t step, ReaderLimits limits = {},
                            std::size_t* used_total = nullptr) {
  RequestReader reader(limits);
  std::size_t at = 0;
  while (at < bytes.size() && reader.state() != RequestReader::State::Done &&
         reader.state() != RequestReader::State::Failed) {
    const std::string_view piece = std::string_view(bytes).substr(at, step);
    const std::size_t used = reader.feed(piece);
    at += used;
    if (used < piece.size()) break;  // the request ended inside this piece
  }
  if (used_total) *used_total = at;
  return reader;
}

TEST(RequestReader, AnySplitGivesTheSameRequest) {
  const std::string body = R"({"query":"q","documents":["a","b"]})";
  const std::vector<std::string> framings = {
      "POST /v1/rerank?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
      "POST /v1/rerank?x=1 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
          serve::testing::chunked(body, 3),
      "\r\nPOST /v1/rerank?x=1 HTTP/1.1\r\nhost:t\r\nTRANSFER-ENCODING:  Chunked \r\n\r\n" +
          serve::testing::chunked(body, 100) ,
  };
  for (const std::string& bytes : framings) {
    for (std::size_t step = 1; step <= bytes.size(); step += step < 8 ? 1 : 7) {
      std::size_t used = 0;
      RequestReader reader = read_in_steps(bytes + "GET / HTTP/1.1\r\n\r\n", step, {}, &used);
      ASSERT_EQ(reader.state(), RequestReader::State::Done) << step << ": " << reader.error_message();
      EXPECT_EQ(used, bytes.size()) << step;  // the pipelined request is left alone
      EXPECT_EQ(reader.request().method, "POST");
      EXPECT_EQ(reader.request().path, "/v1/rerank");
      EXPECT_EQ(reader.request().query, "x=1");
      EXPECT_EQ(reader.request().header("host"), "t");
      EXPECT_EQ(reader.request().body, body) << step;
    }
  }
}

TEST(RequestReader, TheBodyLimitHoldsForEveryFraming) {
  ReaderLimits limits;
  limits.max_body_bytes = 100;
  const std::string body(101, 'x');
  for (const std::string& bytes :
       {"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n" + body,
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + serve::testing::chunked(body, 1),
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + serve::testing::chunked(body, 101),
        std::string("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n")}) {
    RequestReader reader = read_in_steps(bytes, 5, limits);
    EXPECT_EQ(reader.state(), RequestReader::State::Failed) << bytes.substr(0, 60);
    EXPECT_EQ(reader.error_status(), 413) << reader.error_message();
  }
  // Exactly at the limit is fine.
  RequestReader ok = read_in_steps("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                       serve::testing::chunked(std::string(100, 'x'), 9),
                                   4, limits);
  EXPECT_EQ(ok.state(), RequestReader::State::Done);
}

TEST(RequestReader, MalformedRequestsAreRefusedWithTheirStatus) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"GET /\r\n\r\n", 400},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"G(T / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad name: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      // Bare LF line ends: Beast requires CRLF (RFC 9112 allows either; docs/server.md).
      {"GET / HTTP/1.1\nHost: t\n\n", 400},
      {"GET /\x01 HTTP/1.1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx", 415},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(2000, '1') + "\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + std::string(70000, 'a') + "\r\n\r\n", 431},
      {"GET / HTTP/1.1\r\nX: " + std::string(70000, 'a') + "\r\n\r\n", 431},
  };
  for (const auto& [bytes, status] : cases) {
    RequestReader reader = read_in_steps(bytes, 3);
    EXPECT_EQ(reader.state(), RequestReader::State::Failed) << bytes.substr(0, 40);
    EXPECT_EQ(reader.error_status(), status) << bytes.substr(0, 40) << ": " << reader.error_message();
  }
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 200; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(read_in_steps(many + "\r\n", 64).error_status(), 431);
}

TEST(RequestReader, ExpectContinueIsSeenAndKeepAliveFollowsTheVersion) {
  RequestReader r = read_in_steps("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", 1000);
  EXPECT_EQ(r.state(), RequestReader::State::Body);
  EXPECT_TRUE(r.wants_continue());
  EXPECT_TRUE(read_in_steps("GET / HTTP/1.1\r\n\r\n", 100).request().wants_keep_alive());
  EXPECT_FALSE(read_in_steps("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 100).request().wants_keep_alive());
  EXPECT_FALSE(read_in_steps("GET / HTTP/1.0\r\n\r\n", 100).request().wants_keep_alive());
  EXPECT_TRUE(read_in_steps("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 100).request().wants_keep_alive());
}

}  // namespace
}  // namespace rerank::serve::http
