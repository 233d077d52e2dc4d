#include "io/hub_cache_store.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "io/hub_cache.hpp"
#include "rerank/error.hpp"

namespace fs = std::filesystem;

namespace rerank::io {

namespace {

[[noreturn]] void cache_write_error(const fs::path& path, const std::string& why) {
  throw Error(ErrorCode::InvalidArgument, "cannot write the Hugging Face cache at " + path.string() + ": " + why +
                                              " (set HF_HUB_CACHE or HF_HOME to a writable folder)");
}

void make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) cache_write_error(dir, ec.message());
}

// A sibling name unique to this process and call, for write-then-rename.
fs::path temp_sibling(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() /
         (path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

}  // namespace

void write_file_atomic(const fs::path& path, const std::string& content) {
  make_dirs(path.parent_path());
  const fs::path tmp = temp_sibling(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      cache_write_error(tmp, "write failed");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    cache_write_error(path, ec.message());
  }
}

void link_snapshot_file(const fs::path& repo_dir, const std::string& commit, const std::string& file,
                        const std::string& etag) {
  const fs::path pointer = repo_dir / "snapshots" / commit / file;
  // Relative to the pointer's folder: one ".." per sub-folder of `file`, then two more
  // for snapshots/<commit>/. Counting every part of `file` (its name included) gives the
  // sub-folders plus one, so one more ".." completes it.
  fs::path target;
  const fs::path file_path(file);
  for (auto it = file_path.begin(); it != file_path.end(); ++it) target /= "..";
  target = target / ".." / "blobs" / etag;
  std::error_code ec;
  if (fs::is_symlink(pointer, ec) && fs::read_symlink(pointer, ec) == target && !ec) return;
  make_dirs(pointer.parent_path());
  const fs::path tmp = temp_sibling(pointer);
  fs::create_symlink(target, tmp, ec);
  if (ec) cache_write_error(tmp, ec.message());
  fs::rename(tmp, pointer, ec);
  if (ec) {
    fs::remove(tmp, ec);
    cache_write_error(pointer, ec.message());
  }
}

void write_ref(const fs::path& repo_dir, const std::string& revision, const std::string& commit) {
  if (revision == commit) return;
  const fs::path ref = repo_dir / "refs" / revision;
  std::ifstream in(ref);
  std::string current;
  if (in && std::getline(in, current) && current == commit) return;
  write_file_atomic(ref, commit);  // huggingface_hub writes the bare hash, no newline
}

void mark_no_exist(const fs::path& repo_dir, const std::string& commit, const std::string& file) {
  const fs::path marker = hub_no_exist_path(repo_dir, commit, file);
  std::error_code ec;
  if (fs::exists(marker, ec)) return;
  write_file_atomic(marker, "");
}

CacheFileLock::CacheFileLock(const fs::path& lock_file) {
  make_dirs(lock_file.parent_path());
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) cache_write_error(lock_file, std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      const int err = errno;
      ::close(fd_);
      fd_ = -1;
      cache_write_error(lock_file, std::string("cannot lock: ") + std::strerror(err));
    }
  }
}

CacheFileLock::~CacheFileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace rerank::io
