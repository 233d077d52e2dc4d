// Which files of a Hugging Face model repo rerank fetches, and whether a cached snapshot
// already holds them all (so loading needs no network).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rerank::io {

inline constexpr std::string_view kHubConfigFile = "config.json";
inline constexpr std::string_view kHubSafetensorsFile = "model.safetensors";
inline constexpr std::string_view kHubSafetensorsIndexFile = "model.safetensors.index.json";
inline constexpr std::string_view kHubPytorchFile = "pytorch_model.bin";

// Needed besides the weights: config.json, tokenizer.json.
const std::vector<std::string>& hub_required_files();
// Fetched when the repo has them: tokenizer_config.json, special_tokens_map.json.
const std::vector<std::string>& hub_optional_files();

// A relative path that stays inside the repo: no absolute path, no "..", no empty part,
// no backslash. Shard names come from downloaded JSON, so they are checked before use.
bool is_safe_repo_path(std::string_view file);

// The shard files named by a model.safetensors.index.json's weight_map, unique, sorted.
// Throws Error(ModelFormat) naming `where` for invalid JSON or unsafe names.
std::vector<std::string> safetensors_index_shards(const std::string& index_json, const std::string& where);

// True when `snapshot` (…/snapshots/<commit>) has every required file, the weights
// (model.safetensors, or the index and all its shards) and each optional file either
// present or recorded as absent in .no_exist/<commit>/.
bool snapshot_is_complete(const std::filesystem::path& snapshot);

}  // namespace rerank::io
