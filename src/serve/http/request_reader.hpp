// An incremental HTTP/1.1 request parser: bytes in, one complete request out. It bounds the
// header section and the decoded body (Content-Length or chunked alike) while reading, so no
// client can make the server hold more than the limits, whatever framing it uses. No I/O and
// no clock: the connection loop feeds it and owns the deadlines.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

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

  explicit RequestReader(ReaderLimits limits = {}) : limits_(limits) {}

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
  enum class BodyMode { None, Length, Chunked };
  enum class ChunkState { Size, Data, DataEnd, Trailer };

  void fail(int status, std::string message);
  void header_line(std::string_view line);
  void request_line(std::string_view line);
  void headers_done();
  std::size_t feed_body(std::string_view data);
  std::size_t feed_chunked(std::string_view data);
  enum class Line { Partial, Complete, TooLong };
  // Appends to `line_` up to a '\n' (dropped with a '\r' before it); `used` gets the bytes taken.
  Line take_line(std::string_view data, std::size_t max_line, std::size_t& used);

  ReaderLimits limits_;
  State state_ = State::Idle;
  HttpRequest request_;
  std::string line_;
  std::size_t header_bytes_ = 0;
  bool seen_request_line_ = false;
  bool expect_continue_ = false;
  BodyMode body_mode_ = BodyMode::None;
  std::size_t remaining_ = 0;  // Length: body bytes left; Chunked: bytes left in this chunk
  ChunkState chunk_state_ = ChunkState::Size;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace rerank::serve::http
