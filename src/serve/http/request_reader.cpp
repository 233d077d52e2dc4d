#include "serve/http/request_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

// Beast's chunk parser asserts (n >= 5) that a final chunk "0\r\n" is shown again with at
// least two more bytes, but the code after the assertion needs only the bytes it already has:
// a last chunk whose CRLF arrives byte by byte trips the assertion in builds that keep it.
// Release builds (NDEBUG) compile it out; this does the same for every build, and the split
// table and the fuzz target check that such splits parse as one piece does.
#define BOOST_DISABLE_ASSERTS
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace rerank::serve::http {

namespace beast_http = boost::beast::http;

// The body limit is applied here, not with Beast's body_limit(): Beast 1.74 takes a chunk's
// size off its remaining limit before it has parsed the chunk's extensions, and again each
// time it is shown the same chunk header with more bytes, so a chunk header arriving in
// pieces would use the limit up several times. Chunk headers are counted once, when whole.
struct RequestReader::Parser {
  explicit Parser(std::uint64_t max_body) : max_body(max_body) { parser.on_chunk_header(on_chunk); }

  beast_http::request_parser<beast_http::string_body> parser;
  std::uint64_t max_body;
  std::uint64_t declared = 0;  // chunk sizes so far
  // Chunk headers parsed so far: every chunk-size line after the first must follow the CRLF
  // that ends the previous chunk's data (status_for_parse_error tells the two apart).
  std::uint64_t chunks = 0;
  std::function<void(std::uint64_t, boost::beast::string_view, boost::system::error_code&)> on_chunk =
      [this](std::uint64_t size, boost::beast::string_view, boost::system::error_code& ec) {
        ++chunks;
        if (size > max_body - declared) {
          ec = beast_http::error::body_limit;
          return;
        }
        declared += size;
      };
};

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Beast 1.74 hands out boost::string_view.
std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::size_t kMaxChunkSizeDigits = 1024;

bool is_digits(std::string_view s, int base) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!(base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c)))) {
      return false;
    }
  }
  return true;
}

// A run of digits naming a number above `limit` (or too long for 64 bits).
bool digits_exceed(std::string_view digits, int base, std::size_t limit) {
  const std::size_t max_digits = base == 16 ? 16 : 19;
  if (digits.size() > max_digits) return true;
  return std::stoull(std::string(digits), nullptr, base) > limit;
}

// The lines of a raw header section (CRLF or LF ends).
std::vector<std::string_view> lines_of(std::string_view raw) {
  std::vector<std::string_view> out;
  while (!raw.empty()) {
    const std::size_t nl = raw.find('\n');
    std::string_view line = raw.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    raw.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

// Beast reports some conditions the server answers with its own status: a version it cannot
// parse ("HTTP/2.0": 505, not 400), a Content-Length or chunk size too large to hold (413, not
// 400). `raw` is the request's bytes so far; `in_header` whether the header was still open.
int RequestReader::status_for_parse_error(const boost::system::error_code& ec, std::string_view raw,
                                          bool in_header) const {
  if (ec == beast_http::error::bad_version && in_header) {
    const std::vector<std::string_view> lines = lines_of(raw);
    if (!lines.empty()) {
      const std::string_view version = lines[0].substr(std::min(lines[0].size(), lines[0].rfind(' ') + 1));
      // A well-formed version other than 1.0/1.1 (a bare-LF line end after "HTTP/1.1" is a
      // malformed request line, 400).
      if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && std::isdigit(static_cast<unsigned char>(version[5])) &&
          version[6] == '.' && std::isdigit(static_cast<unsigned char>(version[7])) && version != "HTTP/1.1" &&
          version != "HTTP/1.0" && lines.size() > 1) {
        return 505;
      }
    }
  }
  if (ec == beast_http::error::bad_content_length && in_header) {
    for (const std::string_view line : lines_of(raw)) {
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || lower(trim(line.substr(0, colon))) != "content-length") continue;
      const std::string_view value = trim(line.substr(colon + 1));
      if (is_digits(value, 10) && digits_exceed(value, 10, limits_.max_body_bytes)) return 413;
    }
  }
  if (ec == beast_http::error::bad_chunk && !in_header) {
    // A chunk size too large for 64 bits, on a complete chunk-size line (Beast reads the size
    // only then): 413. Anything else, such as chunk data not followed by its CRLF: 400.
    std::string_view line = raw;
    if (parser_->chunks > 0) {
      if (line.substr(0, 2) != "\r\n") return 400;
      line.remove_prefix(2);
    }
    std::size_t n = 0;
    while (n < line.size() && std::isxdigit(static_cast<unsigned char>(line[n]))) ++n;
    if (n == line.size() || (line[n] != ';' && line[n] != '\r') || line.find("\r\n", n) == std::string_view::npos) {
      return 400;
    }
    // A size too large to hold is the body limit; a size line longer than any real one is
    // malformed (as before Beast: lines over 1 KiB were refused 400).
    if (n > 0 && n <= kMaxChunkSizeDigits && digits_exceed(line.substr(0, n), 16, limits_.max_body_bytes)) return 413;
  }
  return 400;
}

RequestReader::RequestReader(ReaderLimits limits)
    : limits_(limits), parser_(std::make_unique<Parser>(static_cast<std::uint64_t>(limits.max_body_bytes))) {
  beast_http::request_parser<beast_http::string_body>& p = parser_->parser;
  p.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // Checked by Parser::on_chunk and check_header instead. Not boost::none: Beast 1.74
  // compares the Content-Length with the optional limit, and any length is "greater" than none.
  p.body_limit(std::numeric_limits<std::uint64_t>::max());
  // Return after the header, so its size and the server's rules are checked before any body
  // byte is taken (and before a 100 Continue is sent).
  p.eager(false);
}

RequestReader::~RequestReader() = default;
RequestReader::RequestReader(RequestReader&&) noexcept = default;
RequestReader& RequestReader::operator=(RequestReader&&) noexcept = default;

void RequestReader::reset() { *this = RequestReader(limits_); }

void RequestReader::fail(int status, std::string message) {
  state_ = State::Failed;
  error_status_ = status;
  error_message_ = std::move(message);
  pending_.clear();
}

std::size_t RequestReader::feed(std::string_view data) {
  if (state_ == State::Done || state_ == State::Failed) return 0;
  const std::size_t offered = data.size();
  if (state_ == State::Idle) {
    // RFC 9112 2.2: empty lines before the request line are ignored.
    while (!data.empty() && (data.front() == '\r' || data.front() == '\n')) data.remove_prefix(1);
    if (data.empty()) return offered;
    state_ = State::Headers;
  }
  pending_.append(data);
  beast_http::request_parser<beast_http::string_body>& p = parser_->parser;
  if (!p.is_header_done() && !header_complete()) return offered;
  for (;;) {
    const bool in_header = !p.is_header_done();
    // What Beast may see at once: the whole header (found complete above); in the body, the
    // header budget for a chunk-size line or the trailers (Beast has no limit of its own
    // there): an element that does not fit is refused whatever the reads' sizes were.
    const std::size_t budget = in_header ? header_end_ : limits_.max_header_bytes;
    const std::size_t window = std::min(pending_.size(), budget);
    boost::system::error_code ec;
    const std::size_t used = p.put(boost::asio::const_buffer(pending_.data(), window), ec);
    if (in_header) header_raw_.assign(pending_, 0, header_end_);
    pending_.erase(0, used);
    if (ec == beast_http::error::need_more) {
      if (!in_header && window == budget) {
        fail(431, "a chunk-size line or the chunked trailers are larger than " +
                      std::to_string(limits_.max_header_bytes) + " bytes");
      }
      break;  // wait for more bytes
    }
    if (ec == beast_http::error::body_limit) {
      fail(413, "the request body is larger than the server's --max-request-bytes (" +
                    std::to_string(limits_.max_body_bytes) + ")");
      break;
    }
    if (ec) {
      const int status = status_for_parse_error(ec, in_header ? header_raw_ : pending_, in_header);
      fail(status, status == 413   ? "the request body is larger than the server's --max-request-bytes (" +
                                         std::to_string(limits_.max_body_bytes) + ")"
                   : status == 505 ? "only HTTP/1.0 and HTTP/1.1 are served"
                                   : "malformed request: " + ec.message());
      break;
    }
    if (in_header && p.is_header_done()) {
      check_header();
      if (state_ == State::Failed) break;
    }
    if (p.is_done()) {
      request_.body = std::move(p.get().body());
      state_ = State::Done;
      break;
    }
    if (used == 0) break;  // nothing Beast can take until more bytes arrive
  }
  if (state_ != State::Done) return offered;
  // What is left belongs to the next (pipelined) request: give it back.
  const std::size_t left = std::min(pending_.size(), offered);
  pending_.clear();
  return offered - left;
}

// Beast parses a start line as soon as it has one and the fields only once the header is
// complete, so a malformed request line would be refused at once when it arrives in one read
// and only with the rest of the header when it arrives byte by byte. Beast is given the header
// only once it is complete (CRLF CRLF within max_header_bytes), so every split gives the same
// result; on the way each line end is checked (Beast would wait forever for CRLF CRLF after
// bare LFs). Each byte is looked at once.
bool RequestReader::header_complete() {
  const std::size_t limit = std::min(pending_.size(), limits_.max_header_bytes);
  for (; scanned_ < limit; ++scanned_) {
    if (pending_[scanned_] != '\n') continue;
    if (scanned_ == 0 || pending_[scanned_ - 1] != '\r') {
      fail(400, "malformed request: a header line ends in a bare LF (CRLF is required)");
      return false;
    }
    if (scanned_ >= 3 && pending_[scanned_ - 2] == '\n' && pending_[scanned_ - 3] == '\r') {
      header_end_ = scanned_ + 1;
      return true;
    }
  }
  if (pending_.size() >= limits_.max_header_bytes) {
    fail(431, "the request line and headers are larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
  }
  return false;
}

void RequestReader::check_header() {
  // Beast unfolds obs-fold (a continuation line starting with a space or tab), which RFC 9112
  // allows; a proxy in front may not, and requests are smuggled in such differences: refuse it.
  const std::vector<std::string_view> lines = lines_of(header_raw_);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (!lines[i].empty() && (lines[i].front() == ' ' || lines[i].front() == '\t')) {
      fail(400, "folded header lines (obs-fold) are not accepted");
      return;
    }
  }
  header_raw_.clear();
  header_raw_.shrink_to_fit();
  const auto& message = parser_->parser.get();
  const unsigned version = message.version();
  if (version != 10 && version != 11) {
    fail(505, "only HTTP/1.0 and HTTP/1.1 are served");
    return;
  }
  request_.method = std::string(view(message.method_string()));
  request_.target = std::string(view(message.target()));
  request_.minor_version = static_cast<int>(version % 10);
  std::size_t count = 0;
  for (const auto& field : message) {
    if (++count > limits_.max_headers) {
      fail(431, "more than " + std::to_string(limits_.max_headers) + " header lines");
      return;
    }
    request_.headers.emplace_back(lower(view(field.name_string())), std::string(trim(view(field.value()))));
  }
  std::string_view target = request_.target;
  // Absolute-form (a proxy's "http://host/path"): route by the path alone.
  if (const std::size_t scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    const std::size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const std::size_t q = target.find('?');
  request_.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request_.query = std::string(target.substr(q + 1));

  const std::string_view content_coding = trim(request_.header("content-encoding"));
  if (!content_coding.empty() && lower(content_coding) != "identity") {
    fail(415, "Content-Encoding '" + std::string(content_coding) + "' is not supported; send the body uncompressed");
    return;
  }
  // Beast refuses Transfer-Encoding with Content-Length, or twice (400). A request whose
  // coding is not exactly chunked would otherwise be read as bodyless (its body then parsed as
  // the next request) or as chunked data still encoded: refuse it.
  if (request_.has_header("transfer-encoding") && lower(trim(request_.header("transfer-encoding"))) != "chunked") {
    fail(501, "Transfer-Encoding '" + std::string(request_.header("transfer-encoding")) +
                  "' is not supported; send the body plain or chunked");
    return;
  }
  if (const boost::optional<std::uint64_t> length = parser_->parser.content_length();
      length && *length > limits_.max_body_bytes) {
    fail(413, "the request body (" + std::to_string(*length) + " bytes) is larger than the server's "
              "--max-request-bytes (" + std::to_string(limits_.max_body_bytes) + ")");
    return;
  }
  state_ = State::Body;
  expect_continue_ = !parser_->parser.is_done() && lower(trim(request_.header("expect"))) == "100-continue";
}

}  // namespace rerank::serve::http
