// An incremental HTTP/1.1 request parser: bytes in, one complete request out. The parsing is
// Boost.Beast's (http::request_parser, fed with put()); this class adds the server's limits
// and status rules on top. It bounds the header section and the decoded body (Content-Length
// or chunked alike) while reading, so no client can make the server hold more than the
// limits, whatever framing it uses, and gives the same result or error however the bytes are
// split into reads. No I/O and no clock: the connection loop feeds it and owns the deadlines.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "serve/http/http_message.hpp"

namespace rerank::serve::http {

struct ReaderLimits {
  std::size_t max_header_bytes = 64 * 1024;  // request line + headers (+ chunked trailers): 431
  std::size_t max_headers = 128;             // header lines: 431
  std::size_t max_body_bytes = 4u << 20;     // decoded body: 413
};

class RequestReader {
 public:
  enum class State {
    Idle,     // nothing of the next request yet
    Headers,  // inside the request line or headers
    Body,     // headers complete, reading the body
    Done,     // request() is complete
    Failed,   // error_status()/error_message() say why; the connection must close
  };

  explicit RequestReader(ReaderLimits limits = {});
  ~RequestReader();
  RequestReader(RequestReader&&) noexcept;
  RequestReader& operator=(RequestReader&&) noexcept;

  // Consumes bytes of `data` up to the end of one request and returns how many it took
  // (the rest belongs to the next, pipelined request). Stops at Done or Failed.
  std::size_t feed(std::string_view data);

  State state() const { return state_; }
  // True once the headers are in and the client asked for "Expect: 100-continue".
  bool wants_continue() const { return expect_continue_; }
  HttpRequest& request() { return request_; }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }
  // Ready for the next request on the same connection.
  void reset();

 private:
  struct Parser;  // the Beast parser (kept out of this header: Beast is heavy to include)

  void fail(int status, std::string message);
  int status_for_parse_error(const boost::system::error_code& ec, std::string_view raw, bool in_header) const;
  // The server's rules once the header is in: sizes, codings, version, Expect.
  void check_header();
  // True once pending_ holds the whole header (header_end_ bytes); fails on a bare LF or a
  // header larger than max_header_bytes.
  bool header_complete();

  ReaderLimits limits_;
  State state_ = State::Idle;
  HttpRequest request_;
  std::unique_ptr<Parser> parser_;
  // Received bytes Beast has not consumed yet: an incomplete header line, chunk-size line or
  // trailer section (Beast needs each whole in one buffer). Bounded by max_header_bytes.
  std::string pending_;
  std::size_t scanned_ = 0;     // bytes of pending_ header_complete() has looked at
  std::size_t header_end_ = 0;  // the header's size once complete
  std::string header_raw_;      // the header's bytes (for the status rules Beast does not apply)
  bool expect_continue_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace rerank::serve::http
