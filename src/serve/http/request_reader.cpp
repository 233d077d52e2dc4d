#include "serve/http/request_reader.hpp"

#include <cctype>
#include <charconv>

namespace rerank::serve::http {

namespace {

// RFC 9110 tchar: what a method or a header name may hold.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr std::size_t kMaxChunkLine = 1024;  // hex size plus extensions

}  // namespace

void RequestReader::reset() {
  const ReaderLimits limits = limits_;
  *this = RequestReader(limits);
}

void RequestReader::fail(int status, std::string message) {
  state_ = State::Failed;
  error_status_ = status;
  error_message_ = std::move(message);
}

RequestReader::Line RequestReader::take_line(std::string_view data, std::size_t max_line, std::size_t& used) {
  const std::size_t nl = data.find('\n');
  used = nl == std::string_view::npos ? data.size() : nl + 1;
  if (line_.size() + used > max_line) return Line::TooLong;
  if (nl == std::string_view::npos) {
    line_.append(data);
    return Line::Partial;
  }
  line_.append(data.substr(0, nl));
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return Line::Complete;
}

std::size_t RequestReader::feed(std::string_view data) {
  std::size_t used = 0;
  while (used < data.size() && (state_ == State::Idle || state_ == State::Headers)) {
    std::size_t n = 0;
    const Line line = take_line(data.substr(used), limits_.max_header_bytes - header_bytes_, n);
    used += n;
    header_bytes_ += n;
    if (line == Line::TooLong) {
      fail(431, "the request line and headers are larger than " + std::to_string(limits_.max_header_bytes) +
                    " bytes");
      return used;
    }
    if (state_ == State::Idle) state_ = State::Headers;
    if (line == Line::Partial) break;
    const std::string text = std::move(line_);
    line_.clear();
    header_line(text);
  }
  if (state_ == State::Body && used < data.size()) used += feed_body(data.substr(used));
  return used;
}

void RequestReader::header_line(std::string_view line) {
  if (!seen_request_line_) {
    if (line.empty()) return;  // RFC 9112 2.2: ignore empty lines before the request line
    request_line(line);
    return;
  }
  if (line.empty()) {
    headers_done();
    return;
  }
  if (line.front() == ' ' || line.front() == '\t') {
    fail(400, "folded header lines (obs-fold) are not accepted");
    return;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
    fail(400, "malformed header line");
    return;
  }
  if (request_.headers.size() >= limits_.max_headers) {
    fail(431, "more than " + std::to_string(limits_.max_headers) + " header lines");
    return;
  }
  request_.headers.emplace_back(lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
}

void RequestReader::request_line(std::string_view line) {
  seen_request_line_ = true;
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    fail(400, "malformed request line");
    return;
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty()) {
    fail(400, "malformed request line");
    return;
  }
  for (const char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      fail(400, "the request target holds a control or non-ASCII byte");
      return;
    }
  }
  if (version == "HTTP/1.1") {
    request_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    request_.minor_version = 0;
  } else if (version.substr(0, 5) == "HTTP/") {
    fail(505, "only HTTP/1.0 and HTTP/1.1 are served");
    return;
  } else {
    fail(400, "malformed request line");
    return;
  }
  request_.method = std::string(method);
  request_.target = std::string(target);
  // Absolute-form (a proxy's "http://host/path"): route by the path alone.
  if (const std::size_t scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    const std::size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const std::size_t q = target.find('?');
  request_.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request_.query = std::string(target.substr(q + 1));
}

void RequestReader::headers_done() {
  std::string_view length;
  for (const auto& [name, value] : request_.headers) {
    if (name != "content-length") continue;
    if (!length.empty() && length != value) {
      fail(400, "conflicting Content-Length headers");
      return;
    }
    length = value;
  }
  const std::string_view coding = request_.header("transfer-encoding");
  const std::string_view content_coding = trim(request_.header("content-encoding"));
  if (!content_coding.empty() && lower(content_coding) != "identity") {
    fail(415, "Content-Encoding '" + std::string(content_coding) + "' is not supported; send the body uncompressed");
    return;
  }
  std::size_t codings = 0;
  for (const auto& h : request_.headers) codings += h.first == "transfer-encoding" ? 1 : 0;
  if (codings > 1) {
    fail(400, "more than one Transfer-Encoding header");
    return;
  }
  if (codings == 1) {
    // Both framings at once is how requests are smuggled past proxies: refuse it.
    if (!length.empty()) {
      fail(400, "both Transfer-Encoding and Content-Length are set");
      return;
    }
    if (lower(trim(coding)) != "chunked") {
      fail(501, "Transfer-Encoding '" + std::string(coding) + "' is not supported; send the body plain or chunked");
      return;
    }
    body_mode_ = BodyMode::Chunked;
    chunk_state_ = ChunkState::Size;
  } else if (!length.empty()) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
    if (ec != std::errc() || end != length.data() + length.size()) {
      fail(ec == std::errc::result_out_of_range ? 413 : 400,
           ec == std::errc::result_out_of_range ? "the request body is larger than the server's --max-request-bytes"
                                                : "Content-Length is not a number");
      return;
    }
    if (n > limits_.max_body_bytes) {
      fail(413, "the request body (" + std::to_string(n) + " bytes) is larger than the server's --max-request-bytes (" +
                    std::to_string(limits_.max_body_bytes) + ")");
      return;
    }
    body_mode_ = n > 0 ? BodyMode::Length : BodyMode::None;
    remaining_ = n;
    request_.body.reserve(n);
  }
  const std::string_view expect = request_.header("expect");
  expect_continue_ = body_mode_ != BodyMode::None && lower(expect) == "100-continue";
  state_ = body_mode_ == BodyMode::None ? State::Done : State::Body;
}

std::size_t RequestReader::feed_body(std::string_view data) {
  if (body_mode_ == BodyMode::Chunked) return feed_chunked(data);
  const std::size_t n = std::min(remaining_, data.size());
  request_.body.append(data.substr(0, n));
  remaining_ -= n;
  if (remaining_ == 0) state_ = State::Done;
  return n;
}

std::size_t RequestReader::feed_chunked(std::string_view data) {
  std::size_t used = 0;
  while (used < data.size() && state_ == State::Body) {
    const std::string_view rest = data.substr(used);
    if (chunk_state_ == ChunkState::Data) {
      const std::size_t n = std::min(remaining_, rest.size());
      request_.body.append(rest.substr(0, n));
      remaining_ -= n;
      used += n;
      if (remaining_ == 0) chunk_state_ = ChunkState::DataEnd;
      continue;
    }
    const bool trailer = chunk_state_ == ChunkState::Trailer;
    const std::size_t max_line = trailer ? limits_.max_header_bytes - std::min(header_bytes_, limits_.max_header_bytes)
                                         : kMaxChunkLine;
    std::size_t n = 0;
    const Line got = take_line(rest, max_line, n);
    used += n;
    if (trailer) header_bytes_ += n;
    if (got == Line::TooLong) {
      if (trailer) fail(431, "the chunked trailers are too large");
      else fail(400, "a chunk-size line is longer than " + std::to_string(kMaxChunkLine) + " bytes");
      return used;
    }
    if (got == Line::Partial) break;
    const std::string line = std::move(line_);
    line_.clear();
    switch (chunk_state_) {
      case ChunkState::DataEnd:
        if (!line.empty()) {
          fail(400, "a chunk is longer than its size line says");
          return used;
        }
        chunk_state_ = ChunkState::Size;
        break;
      case ChunkState::Size: {
        const std::string_view size = trim(std::string_view(line).substr(0, line.find(';')));
        std::size_t n_bytes = 0;
        const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), n_bytes, 16);
        if (size.empty() || end != size.data() + size.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
          fail(400, "malformed chunk-size line");
          return used;
        }
        if (ec == std::errc::result_out_of_range || n_bytes > limits_.max_body_bytes - request_.body.size()) {
          fail(413, "the chunked request body is larger than the server's --max-request-bytes (" +
                        std::to_string(limits_.max_body_bytes) + ")");
          return used;
        }
        remaining_ = n_bytes;
        chunk_state_ = n_bytes == 0 ? ChunkState::Trailer : ChunkState::Data;
        break;
      }
      case ChunkState::Trailer:
        if (line.empty()) state_ = State::Done;  // trailer fields are read and dropped
        break;
      case ChunkState::Data: break;
    }
  }
  return used;
}

}  // namespace rerank::serve::http
