// libFuzzer target for the server's incremental HTTP/1.1 request reader (the bytes every client
// sends before any JSON is parsed): request lines, headers, Content-Length and chunked bodies,
// pipelining, 100-continue. The first byte picks how many bytes each feed() gets (1..17), so
// every split of the input across reads is reached. Invariants: the reader always makes
// progress or stops (Done/Failed), a failure carries an HTTP error status, and no request it
// completes holds a body or header section past its limits.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "serve/http/request_reader.hpp"

using rerank::serve::http::ReaderLimits;
using rerank::serve::http::RequestReader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ReaderLimits limits;
  limits.max_body_bytes = 1024;  // small limits so that the fuzzer reaches them
  limits.max_header_bytes = 2048;
  limits.max_headers = 16;
  RequestReader reader(limits);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t step = 1 + data[0] % 17;
  std::size_t at = 0;
  while (at < input.size()) {
    const std::size_t used = reader.feed(input.substr(at, step));
    at += used;
    const RequestReader::State state = reader.state();
    if (state == RequestReader::State::Failed) {
      if (reader.error_status() < 400 || reader.error_status() > 599 || reader.error_message().empty()) std::abort();
      break;
    }
    if (state == RequestReader::State::Done) {
      const auto& request = reader.request();
      if (request.body.size() > limits.max_body_bytes) std::abort();
      (void)request.wants_keep_alive();
      reader.reset();
    } else if (used == 0) {
      std::abort();  // neither progress nor an end: a client could hang the connection
    }
  }
  return 0;
}
