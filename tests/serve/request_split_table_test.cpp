// Split invariance, as Beast tests its own parser: every request vector below (valid ones,
// malformed ones, smuggling attempts, chunk extensions and trailers, exact-limit and
// one-over-limit headers and bodies) is parsed in one piece, at every 2-way split and byte by
// byte; all must give the same request or the same error, and the one-piece result must be
// the expected one. Vectors follow the cases llhttp and Beast publish for their parsers,
// written here for this server's limits and status rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "serve/http/request_reader.hpp"

namespace rerank::serve::http {
namespace {

ReaderLimits small_limits() {
  ReaderLimits limits;
  limits.max_header_bytes = 256;
  limits.max_body_bytes = 64;
  limits.max_headers = 8;
  return limits;
}

// What the reader made of `bytes` fed in the given pieces: "done METHOD TARGET body=BODY
// used=N" (N: bytes of the first request), "failed STATUS", or "open STATE".
std::string outcome(const std::string& bytes, const std::vector<std::size_t>& cuts) {
  RequestReader reader(small_limits());
  std::size_t at = 0;
  std::size_t from = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (const std::size_t end : ends) {
    if (end <= from) continue;
    const std::string_view piece = std::string_view(bytes).substr(from, end - from);
    from = end;
    const std::size_t used = reader.feed(piece);
    at += used;
    if (reader.state() == RequestReader::State::Failed) return "failed " + std::to_string(reader.error_status());
    if (reader.state() == RequestReader::State::Done) {
      const HttpRequest& r = reader.request();
      std::string headers;
      for (const auto& [name, value] : r.headers) headers += name + "=" + value + ";";
      return "done " + r.method + " " + r.target + " 1." + std::to_string(r.minor_version) + " [" + headers +
             "] body=" + r.body + " used=" + std::to_string(at) + (reader.wants_continue() ? " continue" : "");
    }
    if (used != piece.size()) return "stalled";
  }
  return "open " + std::to_string(static_cast<int>(reader.state()));
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return std::string(size) + "\r\n" + data + "\r\n";
}

struct Vector {
  const char* name;
  std::string bytes;
  std::string expect;  // a prefix of the one-piece outcome
};

std::vector<Vector> vectors() {
  const std::string get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  // A header section of exactly `size` bytes (the limit is 256).
  const auto header_of = [](std::size_t size) {
    const std::string head = "GET / HTTP/1.1\r\nX: ", tail = "\r\n\r\n";
    return head + std::string(size - head.size() - tail.size(), 'v') + tail;
  };
  std::string many_headers = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 9; ++i) many_headers += "H" + std::to_string(i) + ": v\r\n";
  many_headers += "\r\n";
  return {
      // Valid requests.
      {"simple GET", get, "done GET / 1.1 [host=a;] body= used=27"},
      {"HTTP/1.0 with a query", "GET /p?q=1 HTTP/1.0\r\n\r\n", "done GET /p?q=1 1.0 [] body="},
      {"Content-Length body", "POST /r HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "done POST /r 1.1 [content-length=5;] body=hello"},
      {"chunked, three chunks", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("ab") + chunk("cde") + chunk("f") + "0\r\n\r\n",
       "done POST / 1.1 [transfer-encoding=chunked;] body=abcdef"},
      {"chunk extension", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=val\r\nhello\r\n0\r\n\r\n", "done POST / 1.1 [transfer-encoding=chunked;] body=hello"},
      {"quoted chunk extension", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;n=\"a b;c\"\r\nhello\r\n0\r\n\r\n", "done POST / 1.1 [transfer-encoding=chunked;] body=hello"},
      {"chunked trailer", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("xy") + "0\r\nX-Trailer: v\r\n\r\n", "done POST / 1.1"},
      {"upper-case hex size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", "done POST / 1.1 [transfer-encoding=chunked;] body=0123456789"},
      {"leading empty lines", "\r\n\r\n" + get, "done GET / 1.1 [host=a;] body= used=31"},
      {"whitespace around a value", "GET / HTTP/1.1\r\nHost: \t a \t\r\n\r\n", "done GET / 1.1 [host=a;]"},
      {"tab inside a value", "GET / HTTP/1.1\r\nX: a\tb\r\n\r\n", "done GET / 1.1 [x=a\tb;]"},
      {"absolute-form target", "GET http://h/p?x=1 HTTP/1.1\r\n\r\n", "done GET http://h/p?x=1 1.1"},
      {"asterisk-form", "OPTIONS * HTTP/1.1\r\n\r\n", "done OPTIONS * 1.1"},
      {"unknown method", "PURGE /c HTTP/1.1\r\n\r\n", "done PURGE /c 1.1"},
      {"Content-Length 0", "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "done POST / 1.1 [content-length=0;] body= used=38"},
      {"repeated equal Content-Length", "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", "done POST / 1.1 [content-length=2;content-length=2;] body=ok"},
      {"pipelined: the first ends first", get + "GET /2 HTTP/1.1\r\n\r\n", "done GET / 1.1 [host=a;] body= used=27"},
      {"pipelined after a body", "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGET / HTTP/1.1\r\n\r\n", "done POST / 1.1 [content-length=2;] body=ok used=40"},
      {"Expect: 100-continue", "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", "done POST / 1.1 [expect=100-continue;content-length=2;] body=ok"},
      {"header section at the limit", header_of(256), "done GET / 1.1"},
      {"body at the limit", "POST / HTTP/1.1\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'b'), "done POST / 1.1"},
      {"chunked body at the limit", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(std::string(60, 'c')) + chunk("dddd") + "0\r\n\r\n", "done POST / 1.1"},
      {"8 headers (the limit)", "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\nH: 8\r\n\r\n", "done GET / 1.1"},
      {"incomplete header", "GET / HTTP/1.1\r\nHost: a\r\n", "open 1"},
      {"incomplete body", "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc", "open 2"},
      // Smuggling attempts: two framings, or one a proxy may read differently.
      {"Content-Length and chunked", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "failed 400"},
      {"chunked and Content-Length", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", "failed 400"},
      {"two different Content-Lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "failed 400"},
      {"Content-Length list", "POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd", "failed 400"},
      {"negative Content-Length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "failed 400"},
      {"Content-Length not a number", "POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", "failed 400"},
      {"Transfer-Encoding twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "failed 400"},
      {"gzip transfer coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc", "failed 501"},
      {"gzip then chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "failed 501"},
      {"obs-fold", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "failed 400"},
      {"bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", "failed 400"},
      {"bare CR in a value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", "failed 400"},
      {"NUL in a value", std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 27), "failed 400"},
      {"space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "failed 400"},
      {"no colon", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", "failed 400"},
      {"non-token header name", "GET / HTTP/1.1\r\nX@Y: v\r\n\r\n", "failed 400"},
      {"non-token method", "G(T / HTTP/1.1\r\n\r\n", "failed 400"},
      {"two spaces in the request line", "GET  / HTTP/1.1\r\n\r\n", "failed 400"},
      {"no version", "GET /\r\n\r\n", "failed 400"},
      {"control byte in the target", "GET /\x01 HTTP/1.1\r\n\r\n", "failed 400"},
      {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", "failed 505"},
      {"HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", "failed 505"},
      {"chunk size not hex", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", "failed 400"},
      {"chunk longer than its size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", "failed 400"},
      {"bad chunk extension", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n", "failed 400"},
      {"Content-Encoding gzip", "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx", "failed 415"},
      // One over each limit.
      {"header section one over", header_of(257), "failed 431"},
      {"9 headers (one over)", many_headers, "failed 431"},
      {"body one over", "POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n" + std::string(65, 'b'), "failed 413"},
      {"chunked body one over", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(std::string(60, 'c')) + chunk("ddddd") + "0\r\n\r\n", "failed 413"},
      {"Content-Length past 64 bits", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", "failed 413"},
      {"chunk size past 64 bits", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n", "failed 413"},
      {"trailers over the header limit", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + std::string(300, 't') + "\r\n\r\n", "failed 431"},
      {"chunk extension over the header limit", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;e=" + std::string(300, 'e') + "\r\nx\r\n0\r\n\r\n", "failed 431"},
  };
}

TEST(RequestSplitTable, EveryVectorGivesOneResultHoweverItIsSplit) {
  const std::vector<Vector> table = vectors();
  ASSERT_GE(table.size(), 40u);
  for (const Vector& v : table) {
    const std::string whole = outcome(v.bytes, {});
    EXPECT_EQ(whole.substr(0, v.expect.size()), v.expect) << v.name << ": " << whole;
    for (std::size_t cut = 1; cut < v.bytes.size(); ++cut) {
      ASSERT_EQ(outcome(v.bytes, {cut}), whole) << v.name << ", split at " << cut;
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < v.bytes.size(); ++i) every.push_back(i);
    EXPECT_EQ(outcome(v.bytes, every), whole) << v.name << ", byte by byte";
  }
}

// The case: a 50,000-byte header line under the default 64 KiB limit is accepted
// in one read and in two (the old reader answered 431 to the two-read form).
TEST(RequestSplitTable, ALongHeaderLineIsTheSameInOneReadOrTwo) {
  const std::string line = "X-Long: " + std::string(50000 - 8, 'a');
  const std::string bytes = "GET / HTTP/1.1\r\n" + line + "\r\n\r\n";
  for (const std::vector<std::size_t>& pieces :
       {std::vector<std::size_t>{}, std::vector<std::size_t>{16 + 25000}, std::vector<std::size_t>{bytes.size() / 2}}) {
    RequestReader reader;  // the server's defaults: 64 KiB of header
    std::size_t from = 0;
    std::vector<std::size_t> ends = pieces;
    ends.push_back(bytes.size());
    for (const std::size_t end : ends) {
      reader.feed(std::string_view(bytes).substr(from, end - from));
      from = end;
    }
    ASSERT_EQ(reader.state(), RequestReader::State::Done) << reader.error_status() << " " << reader.error_message();
    EXPECT_EQ(reader.request().header("x-long").size(), 50000u - 8u);
  }
}

}  // namespace
}  // namespace rerank::serve::http
