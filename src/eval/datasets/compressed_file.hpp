// Reading plain or gzip-compressed files (zlib reads both transparently): whole files,
// line by line, and raw byte streams for the tar reader.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace rerank::eval {

// A file opened through zlib: `path` may be plain or gzip. Not copyable; one reader per
// thread. Throws Error(NotFound) when the file cannot be opened and Error(InvalidInput)
// for a corrupt gzip stream.
class CompressedFile {
 public:
  explicit CompressedFile(const std::filesystem::path& path);
  ~CompressedFile();
  CompressedFile(const CompressedFile&) = delete;
  CompressedFile& operator=(const CompressedFile&) = delete;

  // Reads up to `size` bytes; returns how many were read (0 at the end).
  std::size_t read(char* buffer, std::size_t size);

  // The next line without its "\n" or "\r\n"; false at the end of the file.
  bool next_line(std::string& line);

  // Everything that is left.
  std::string read_all();

  const std::filesystem::path& path() const { return path_; }

 private:
  bool fill();
  std::filesystem::path path_;
  void* file_ = nullptr;  // gzFile, kept opaque so zlib.h stays out of this header
  std::string buffer_;
  std::size_t pos_ = 0;
  bool eof_ = false;
};

// The whole (decompressed) content of `path`.
std::string read_compressed_file(const std::filesystem::path& path);

}  // namespace rerank::eval
