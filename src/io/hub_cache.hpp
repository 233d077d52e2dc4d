// The Hugging Face Hub cache layout, shared with Python's huggingface_hub so that models
// it downloaded are reused: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub,
// with models--org--name/{blobs,snapshots/<commit>,refs/<revision>}.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace rerank::io {

struct HubRepoId {
  std::string repo;      // "org/name"
  std::string revision;  // "main" unless given as org/name@revision
};

// Parses "org/name[@revision]"; nullopt when the text is not shaped like a Hub id.
std::optional<HubRepoId> parse_hub_repo_id(std::string_view spec);

std::filesystem::path hub_cache_dir();
// models--org--name under the cache.
std::filesystem::path hub_repo_cache_dir(const std::string& repo);

// The snapshot folder for a revision (branch or tag through refs/, or a commit hash),
// when it is in the cache.
std::optional<std::filesystem::path> find_cached_snapshot(const HubRepoId& id);

// HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to a true value.
bool hub_offline();

// 40 hex digits: a git commit, which names a snapshot directly (no refs/ lookup).
bool is_commit_hash(const std::string& text);

// Paths inside a repo's cache folder, as huggingface_hub writes them:
//   blobs/<etag>                       file content, named by its (normalised) ETag
//   snapshots/<commit>/<file>          relative symlink to ../../blobs/<etag>
//   refs/<revision>                    the commit a branch or tag pointed to
//   .no_exist/<commit>/<file>          empty marker: the file is absent at that commit
// and <cache>/.locks/models--org--name/<etag>.lock guarding a blob's download.
std::filesystem::path hub_blob_path(const std::filesystem::path& repo_dir, const std::string& etag);
std::filesystem::path hub_no_exist_path(const std::filesystem::path& repo_dir, const std::string& commit,
                                        const std::string& file);
std::filesystem::path hub_lock_path(const std::filesystem::path& repo_dir, const std::string& etag);

// find_cached_snapshot for a repo folder given directly (a cache other than hub_cache_dir()).
std::optional<std::filesystem::path> find_cached_snapshot_in(const std::filesystem::path& repo_dir,
                                                             const std::string& revision);

}  // namespace rerank::io
