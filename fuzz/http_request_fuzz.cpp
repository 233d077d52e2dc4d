// libFuzzer target for the server's incremental HTTP/1.1 request reader (the bytes every client
// sends before any JSON is parsed): request lines, headers, Content-Length and chunked bodies,
// pipelining, 100-continue. The input is parsed three ways: in one piece, byte by byte, and
// in pieces of 1..17 bytes (the first byte picks). Invariants: the three give the same
// requests (or the same error) and stop at the same place; the reader always makes progress
// or stops (Done/Failed); a failure carries an HTTP error status; no request it completes
// holds a body past its limit.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "serve/http/request_reader.hpp"

using rerank::serve::http::ReaderLimits;
using rerank::serve::http::RequestReader;

namespace {

// Everything the reader produced from `input` fed in pieces of `step`, as text to compare.
std::string parse(std::string_view input, std::size_t step, const ReaderLimits& limits) {
  RequestReader reader(limits);
  std::string out;
  std::size_t at = 0;
  while (at < input.size()) {
    const std::size_t used = reader.feed(input.substr(at, step));
    at += used;
    const RequestReader::State state = reader.state();
    if (state == RequestReader::State::Failed) {
      if (reader.error_status() < 400 || reader.error_status() > 599 || reader.error_message().empty()) std::abort();
      return out + "failed " + std::to_string(reader.error_status()) + "\n";
    }
    if (state == RequestReader::State::Done) {
      const auto& r = reader.request();
      if (r.body.size() > limits.max_body_bytes) std::abort();
      out += "request " + r.method + " " + r.target + " " + std::to_string(r.minor_version) + " ka=" +
             std::to_string(r.wants_keep_alive()) + " ends at " + std::to_string(at) + "\n";
      for (const auto& [name, value] : r.headers) out += name + ": " + value + "\n";
      out += "body " + std::to_string(r.body.size()) + ": " + r.body + "\n";
      reader.reset();
    } else if (used == 0) {
      std::abort();  // neither progress nor an end: a client could hang the connection
    }
  }
  return out + "open " + std::to_string(static_cast<int>(reader.state())) + " continue=" +
         std::to_string(reader.wants_continue()) + "\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ReaderLimits limits;
  limits.max_body_bytes = 1024;  // small limits so that the fuzzer reaches them
  limits.max_header_bytes = 2048;
  limits.max_headers = 16;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string whole = parse(input, input.size() + 1, limits);
  if (parse(input, 1, limits) != whole) std::abort();  // byte by byte differs from one piece
  if (parse(input, 1 + data[0] % 17, limits) != whole) std::abort();
  return 0;
}
