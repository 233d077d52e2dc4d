#include "eval/datasets/tar_reader.hpp"

#include <array>
#include <cstdint>

#include "eval/datasets/compressed_file.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

namespace {

constexpr std::size_t kBlock = 512;
// Refuse absurd sizes from corrupt headers instead of trying to allocate them.
constexpr std::uint64_t kMaxEntrySize = std::uint64_t{1} << 32;

std::string field(const char* p, std::size_t n) {
  std::size_t len = 0;
  while (len < n && p[len] != '\0') ++len;
  return std::string(p, len);
}

// Sizes are octal ASCII, or base-256 (high bit of the first byte set) for large files.
std::uint64_t parse_size(const char* p, std::size_t n, const std::string& where) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  std::uint64_t v = 0;
  if (u[0] & 0x80) {
    v = u[0] & 0x7f;
    for (std::size_t i = 1; i < n; ++i) {
      if (v >> 55) throw Error(ErrorCode::InvalidInput, where + ": tar entry size overflows");
      v = (v << 8) | u[i];
    }
    return v;
  }
  std::size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\0')) ++i;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) v = v * 8 + static_cast<std::uint64_t>(p[i] - '0');
  return v;
}

bool all_zero(const std::array<char, kBlock>& block) {
  for (char c : block) {
    if (c != 0) return false;
  }
  return true;
}

}  // namespace

std::string tar_base_name(const std::string& name) {
  const std::size_t slash = name.find_last_of('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

void for_each_tar_file(const std::filesystem::path& path, const std::function<bool(TarEntry&)>& visit) {
  CompressedFile file(path);
  const std::string where = path.string();
  std::array<char, kBlock> header{};
  std::string long_name;
  TarEntry entry;
  for (;;) {
    const std::size_t got = file.read(header.data(), kBlock);
    if (got == 0) return;  // some writers omit the two zero blocks at the end
    if (got != kBlock) throw Error(ErrorCode::InvalidInput, where + ": truncated tar header");
    if (all_zero(header)) return;  // end-of-archive marker

    const std::uint64_t size = parse_size(header.data() + 124, 12, where);
    if (size > kMaxEntrySize) throw Error(ErrorCode::InvalidInput, where + ": tar entry too large (corrupt header?)");
    const char type = header[156];
    std::string content(static_cast<std::size_t>(size), '\0');
    if (size > 0 && file.read(content.data(), content.size()) != content.size()) {
      throw Error(ErrorCode::InvalidInput, where + ": truncated tar entry");
    }
    const std::size_t padding = static_cast<std::size_t>((kBlock - size % kBlock) % kBlock);
    if (padding > 0) {
      std::array<char, kBlock> skip{};
      if (file.read(skip.data(), padding) != padding) throw Error(ErrorCode::InvalidInput, where + ": truncated tar entry");
    }

    if (type == 'L') {  // GNU long name: the next header's real name
      long_name = field(content.data(), content.size());
      continue;
    }
    std::string name;
    if (!long_name.empty()) {
      name = std::move(long_name);
      long_name.clear();
    } else {
      name = field(header.data(), 100);
      const std::string magic = field(header.data() + 257, 6);
      if (magic.rfind("ustar", 0) == 0) {
        const std::string prefix = field(header.data() + 345, 155);
        if (!prefix.empty()) name = prefix + "/" + name;
      }
    }
    if (type != '0' && type != '\0' && type != '7') continue;  // only regular files
    entry.name = std::move(name);
    entry.content = std::move(content);
    if (!visit(entry)) return;
  }
}

}  // namespace rerank::eval
