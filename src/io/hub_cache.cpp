#include "io/hub_cache.hpp"

#include "core/environment.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <regex>

namespace fs = std::filesystem;

namespace rerank::io {

namespace {

}  // namespace

bool is_commit_hash(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

fs::path hub_blob_path(const fs::path& repo_dir, const std::string& etag) { return repo_dir / "blobs" / etag; }

fs::path hub_no_exist_path(const fs::path& repo_dir, const std::string& commit, const std::string& file) {
  return repo_dir / ".no_exist" / commit / file;
}

fs::path hub_lock_path(const fs::path& repo_dir, const std::string& etag) {
  return repo_dir.parent_path() / ".locks" / repo_dir.filename() / (etag + ".lock");
}

std::optional<HubRepoId> parse_hub_repo_id(std::string_view spec) {
  // Repo names on the Hub: letters, digits, '-', '_', '.', not starting with '.' or '-'.
  static const std::regex pattern(
      R"(^([A-Za-z0-9][A-Za-z0-9._-]{0,95})/([A-Za-z0-9][A-Za-z0-9._-]{0,95})(?:@([A-Za-z0-9._/-]{1,255}))?$)");
  std::cmatch m;
  if (!std::regex_match(spec.data(), spec.data() + spec.size(), m, pattern)) return std::nullopt;
  HubRepoId id;
  id.repo = m[1].str() + "/" + m[2].str();
  id.revision = m[3].matched ? m[3].str() : "main";
  if (id.repo.find("..") != std::string::npos || id.revision.find("..") != std::string::npos) {
    return std::nullopt;
  }
  return id;
}

fs::path hub_cache_dir() {
  if (std::string v = env_value("HF_HUB_CACHE"); !v.empty()) return v;
  if (std::string v = env_value("HUGGINGFACE_HUB_CACHE"); !v.empty()) return v;
  if (std::string v = env_value("HF_HOME"); !v.empty()) return fs::path(v) / "hub";
  if (std::string v = env_value("XDG_CACHE_HOME"); !v.empty()) return fs::path(v) / "huggingface" / "hub";
  std::string home = env_value("HOME");
  return fs::path(home.empty() ? "." : home) / ".cache" / "huggingface" / "hub";
}

fs::path hub_repo_cache_dir(const std::string& repo) {
  std::string folder = "models--";
  for (char c : repo) folder += (c == '/') ? std::string("--") : std::string(1, c);
  return hub_cache_dir() / folder;
}

std::optional<fs::path> find_cached_snapshot(const HubRepoId& id) {
  return find_cached_snapshot_in(hub_repo_cache_dir(id.repo), id.revision);
}

std::optional<fs::path> find_cached_snapshot_in(const fs::path& repo_dir, const std::string& revision) {
  std::string commit = revision;
  if (!is_commit_hash(commit)) {
    std::ifstream ref(repo_dir / "refs" / revision);
    if (!ref || !std::getline(ref, commit)) return std::nullopt;
    // A ref names a snapshot folder: accept only a commit hash, never a path.
    while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back()))) commit.pop_back();
    if (!is_commit_hash(commit)) return std::nullopt;
  }
  fs::path snapshot = repo_dir / "snapshots" / commit;
  std::error_code ec;
  if (!fs::is_directory(snapshot, ec)) return std::nullopt;
  return snapshot;
}

bool hub_offline() { return env_flag("HF_HUB_OFFLINE") || env_flag("TRANSFORMERS_OFFLINE"); }

}  // namespace rerank::io
