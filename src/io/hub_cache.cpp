#include "io/hub_cache.hpp"

#include <cstdlib>
#include <fstream>
#include <regex>

namespace fs = std::filesystem;

namespace rerank::io {

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool truthy(const std::string& v) { return v == "1" || v == "true" || v == "TRUE" || v == "yes" || v == "ON" || v == "on"; }

bool is_commit_hash(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}
}  // namespace

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
  if (std::string v = env("HF_HUB_CACHE"); !v.empty()) return v;
  if (std::string v = env("HUGGINGFACE_HUB_CACHE"); !v.empty()) return v;
  if (std::string v = env("HF_HOME"); !v.empty()) return fs::path(v) / "hub";
  if (std::string v = env("XDG_CACHE_HOME"); !v.empty()) return fs::path(v) / "huggingface" / "hub";
  std::string home = env("HOME");
  return fs::path(home.empty() ? "." : home) / ".cache" / "huggingface" / "hub";
}

fs::path hub_repo_cache_dir(const std::string& repo) {
  std::string folder = "models--";
  for (char c : repo) folder += (c == '/') ? std::string("--") : std::string(1, c);
  return hub_cache_dir() / folder;
}

std::optional<fs::path> find_cached_snapshot(const HubRepoId& id) {
  const fs::path repo_dir = hub_repo_cache_dir(id.repo);
  std::string commit = id.revision;
  if (!is_commit_hash(commit)) {
    std::ifstream ref(repo_dir / "refs" / id.revision);
    if (!ref || !std::getline(ref, commit)) return std::nullopt;
  }
  fs::path snapshot = repo_dir / "snapshots" / commit;
  std::error_code ec;
  if (!fs::is_directory(snapshot, ec)) return std::nullopt;
  return snapshot;
}

bool hub_offline() { return truthy(env("HF_HUB_OFFLINE")) || truthy(env("TRANSFORMERS_OFFLINE")); }

}  // namespace rerank::io
