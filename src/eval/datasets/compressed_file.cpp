#include "eval/datasets/compressed_file.hpp"

#include <algorithm>

#include <zlib.h>

#include "rerank/error.hpp"

namespace rerank::eval {

namespace {
constexpr std::size_t kChunk = 1 << 16;
}

CompressedFile::CompressedFile(const std::filesystem::path& path) : path_(path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error(ErrorCode::NotFound, "cannot open " + path.string() + ": check the path exists and is readable");
  gzbuffer(f, 1 << 17);
  file_ = f;
}

CompressedFile::~CompressedFile() {
  if (file_) gzclose(static_cast<gzFile>(file_));
}

std::size_t CompressedFile::read(char* out, std::size_t size) {
  std::size_t done = 0;
  // Serve buffered bytes first (next_line may have read ahead).
  if (pos_ < buffer_.size()) {
    const std::size_t n = std::min(size, buffer_.size() - pos_);
    std::copy_n(buffer_.data() + pos_, n, out);
    pos_ += n;
    done = n;
  }
  while (done < size && !eof_) {
    const unsigned want = static_cast<unsigned>(std::min<std::size_t>(size - done, kChunk));
    const int got = gzread(static_cast<gzFile>(file_), out + done, want);
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(static_cast<gzFile>(file_), &err);
      throw Error(ErrorCode::InvalidInput, path_.string() + ": corrupt compressed data (" + msg + ")");
    }
    if (got == 0) {
      eof_ = true;
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  return done;
}

bool CompressedFile::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  const std::size_t old = buffer_.size();
  buffer_.resize(old + kChunk);
  const int got = gzread(static_cast<gzFile>(file_), buffer_.data() + old, kChunk);
  if (got < 0) {
    int err = 0;
    const char* msg = gzerror(static_cast<gzFile>(file_), &err);
    throw Error(ErrorCode::InvalidInput, path_.string() + ": corrupt compressed data (" + msg + ")");
  }
  buffer_.resize(old + static_cast<std::size_t>(got));
  if (got == 0) eof_ = true;
  return got > 0;
}

bool CompressedFile::next_line(std::string& line) {
  std::size_t scan_from = pos_;
  for (;;) {
    const std::size_t nl = buffer_.find('\n', scan_from);
    if (nl != std::string::npos) {
      line.assign(buffer_, pos_, nl - pos_);
      pos_ = nl + 1;
      break;
    }
    const std::size_t scanned = buffer_.size() - pos_;
    if (!fill()) {
      if (pos_ >= buffer_.size()) return false;
      line.assign(buffer_, pos_, std::string::npos);  // last line without a newline
      pos_ = buffer_.size();
      break;
    }
    scan_from = pos_ + scanned;  // fill() moved the unread bytes to the front
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

std::string CompressedFile::read_all() {
  std::string out = buffer_.substr(pos_);
  buffer_.clear();
  pos_ = 0;
  char chunk[kChunk];
  for (;;) {
    const std::size_t n = read(chunk, sizeof chunk);
    if (n == 0) break;
    out.append(chunk, n);
  }
  return out;
}

std::string read_compressed_file(const std::filesystem::path& path) {
  CompressedFile file(path);
  return file.read_all();
}

}  // namespace rerank::eval
