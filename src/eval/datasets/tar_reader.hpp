// Reading the regular files of a (gzip-compressed) ustar/GNU tar archive, one at a time,
// without unpacking it to disk. Enough of the format for dataset archives: ustar name
// prefixes, GNU long names ('L' entries), octal and base-256 sizes; links, directories and
// other special entries are skipped.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace rerank::eval {

struct TarEntry {
  std::string name;     // path inside the archive ("dir/CACM-0001.html")
  std::string content;  // the file's bytes
};

// Calls `visit` for each regular file in archive order; `visit` returns false to stop early.
// Throws Error(InvalidInput) for a truncated or corrupt archive, Error(NotFound) when
// `path` cannot be opened.
void for_each_tar_file(const std::filesystem::path& path, const std::function<bool(TarEntry&)>& visit);

// The part of `name` after its last '/'.
std::string tar_base_name(const std::string& name);

}  // namespace rerank::eval
