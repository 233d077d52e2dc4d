// Writes into the Hugging Face cache the way huggingface_hub does, so each tool reuses the
// other's downloads: snapshot pointers are relative symlinks into blobs/, refs hold the
// commit, .no_exist markers record files a commit lacks. Every write is atomic (temporary
// name, then rename), so a reader never sees half a file or a dangling pointer.
#pragma once

#include <filesystem>
#include <string>

namespace rerank::io {

// snapshots/<commit>/<file> -> ../../blobs/<etag> (more "../" for files in sub-folders).
// Replaces a pointer that points elsewhere. Throws Error(InvalidArgument) when the cache
// cannot be written.
void link_snapshot_file(const std::filesystem::path& repo_dir, const std::string& commit, const std::string& file,
                        const std::string& etag);

// refs/<revision> containing the commit (nothing when the revision is the commit itself).
void write_ref(const std::filesystem::path& repo_dir, const std::string& revision, const std::string& commit);

// .no_exist/<commit>/<file>, an empty file.
void mark_no_exist(const std::filesystem::path& repo_dir, const std::string& commit, const std::string& file);

// An exclusive advisory lock (flock) on a lock file, held until destruction. The same
// lock files as huggingface_hub's (<cache>/.locks/...) so concurrent downloads of one blob
// by rerank and Python wait for each other instead of writing the same .incomplete file.
class CacheFileLock {
 public:
  explicit CacheFileLock(const std::filesystem::path& lock_file);
  ~CacheFileLock();
  CacheFileLock(const CacheFileLock&) = delete;
  CacheFileLock& operator=(const CacheFileLock&) = delete;

 private:
  int fd_ = -1;
};

// Writes `content` to `path` through a temporary file and a rename.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace rerank::io
