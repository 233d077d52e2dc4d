// SHA-256 (FIPS 180-4), used to check Hub downloads: the ETag of an LFS file is the
// sha256 of its content. Own implementation so the io layer needs no crypto library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace rerank::io {

// Incremental hasher: update() any number of times, then hex_digest() once.
// Not thread-safe; one instance per stream.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  std::array<std::uint8_t, 32> digest();
  // 64 lower-case hex characters.
  std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view data);

// Hashes a file by streaming it; throws Error(NotFound) when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace rerank::io
