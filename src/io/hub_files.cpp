#include "io/hub_files.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"
#include "io/hub_cache.hpp"
#include "rerank/error.hpp"

namespace fs = std::filesystem;

namespace rerank::io {

const std::vector<std::string>& hub_required_files() {
  static const std::vector<std::string> files = {"config.json", "tokenizer.json"};
  return files;
}

const std::vector<std::string>& hub_optional_files() {
  static const std::vector<std::string> files = {"tokenizer_config.json", "special_tokens_map.json"};
  return files;
}

bool is_safe_repo_path(std::string_view file) {
  if (file.empty() || file.front() == '/' || file.find('\\') != std::string_view::npos ||
      file.find('\0') != std::string_view::npos) {
    return false;
  }
  std::size_t start = 0;
  while (start <= file.size()) {
    const std::size_t end = std::min(file.find('/', start), file.size());
    const std::string_view part = file.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::vector<std::string> safetensors_index_shards(const std::string& index_json, const std::string& where) {
  const nlohmann::json index = parse_json(index_json, where, {kMaxJsonDepth, ErrorCode::ModelFormat, ""});
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object() ||
      index["weight_map"].empty()) {
    throw Error(ErrorCode::ModelFormat, where + " has no weight_map object naming the shard files");
  }
  std::set<std::string> shards;
  for (const auto& [tensor, file] : index["weight_map"].items()) {
    if (!file.is_string() || !is_safe_repo_path(file.get<std::string>())) {
      throw Error(ErrorCode::ModelFormat,
                  where + ": tensor '" + tensor + "' maps to an invalid shard file name " + file.dump());
    }
    shards.insert(file.get<std::string>());
  }
  return {shards.begin(), shards.end()};
}

namespace {

bool exists_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);  // follows the snapshot symlink into blobs/
}

}  // namespace

bool snapshot_is_complete(const fs::path& snapshot) {
  const fs::path repo_dir = snapshot.parent_path().parent_path();
  const std::string commit = snapshot.filename().string();
  for (const std::string& f : hub_required_files()) {
    if (!exists_file(snapshot / f)) return false;
  }
  for (const std::string& f : hub_optional_files()) {
    std::error_code ec;
    if (!exists_file(snapshot / f) && !fs::exists(hub_no_exist_path(repo_dir, commit, f), ec)) return false;
  }
  if (exists_file(snapshot / kHubSafetensorsFile)) return true;
  const fs::path index = snapshot / kHubSafetensorsIndexFile;
  if (!exists_file(index)) return false;
  std::ifstream in(index, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  try {
    for (const std::string& shard : safetensors_index_shards(text.str(), index.string())) {
      if (!exists_file(snapshot / shard)) return false;
    }
  } catch (const Error&) {
    return false;  // a broken index: let a download (or the loader) report it
  }
  return true;
}

}  // namespace rerank::io
