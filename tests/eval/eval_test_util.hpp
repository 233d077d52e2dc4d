// Helpers for the eval tests: gzip and tar files made on the fly.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <zlib.h>

namespace rerank::eval::testutil {

inline void write_gzip(const std::filesystem::path& path, const std::string& content) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path.string());
  if (!content.empty()) gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
}

// One 512-byte ustar header.
inline std::string tar_header(const std::string& name, std::size_t size, char type = '0', const std::string& prefix = "") {
  std::string h(512, '\0');
  h.replace(0, std::min<std::size_t>(name.size(), 100), name.substr(0, 100));
  std::snprintf(h.data() + 100, 8, "%07o", 0644);
  std::snprintf(h.data() + 108, 8, "%07o", 0);
  std::snprintf(h.data() + 116, 8, "%07o", 0);
  std::snprintf(h.data() + 124, 12, "%011lo", static_cast<unsigned long>(size));
  std::snprintf(h.data() + 136, 12, "%011o", 0);
  h[156] = type;
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(263, 2, "00");
  if (!prefix.empty()) h.replace(345, prefix.size(), prefix);
  // Checksum: sum of the header bytes with the checksum field read as spaces.
  std::fill(h.begin() + 148, h.begin() + 156, ' ');
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h.data() + 148, 8, "%06o", sum);
  h[155] = ' ';
  return h;
}

inline std::string tar_member(const std::string& name, const std::string& content, char type = '0',
                              const std::string& prefix = "") {
  std::string out = tar_header(name, content.size(), type, prefix) + content;
  out.append((512 - content.size() % 512) % 512, '\0');
  return out;
}

inline std::string tar_archive(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out;
  for (const auto& [name, content] : files) out += tar_member(name, content);
  out.append(1024, '\0');
  return out;
}

}  // namespace rerank::eval::testutil
