#include "models/checkpoint.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "core/json_parse.hpp"
#include "rerank/error.hpp"

namespace fs = std::filesystem;

namespace rerank::models {

bool CheckpointInfo::has_tensor(const std::string& tensor) const {
  std::error_code ec;
  const bool has_weights = !directory.empty() && (fs::exists(directory / "model.safetensors", ec) ||
                                                  fs::exists(directory / "model.safetensors.index.json", ec));
  return has_weights && weights()->contains(tensor);
}

std::shared_ptr<const io::Checkpoint> CheckpointInfo::weights() const {
  if (!weights_) weights_ = io::Checkpoint::open(directory);
  return weights_;
}

CheckpointInfo checkpoint_from_config(nlohmann::json config, std::string where, fs::path directory) {
  if (!config.is_object()) throw Error(ErrorCode::ModelFormat, where + ": config.json is not a JSON object");
  CheckpointInfo info;
  if (config.contains("architectures") && !config["architectures"].is_null()) {
    const nlohmann::json& archs = config["architectures"];
    if (!archs.is_array() || (!archs.empty() && !archs[0].is_string())) {
      throw Error(ErrorCode::ModelFormat, where + ": config.json key 'architectures' must be a list of names");
    }
    if (!archs.empty()) info.architecture = archs[0].get<std::string>();
  }
  if (config.contains("model_type") && !config["model_type"].is_null()) {
    if (!config["model_type"].is_string()) {
      throw Error(ErrorCode::ModelFormat, where + ": config.json key 'model_type' must be a string");
    }
    info.model_type = config["model_type"].get<std::string>();
  }
  info.config = std::move(config);
  info.where = std::move(where);
  info.directory = std::move(directory);
  return info;
}

CheckpointInfo read_checkpoint(const fs::path& directory) {
  const fs::path path = directory / "config.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, "no config.json in " + directory.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return checkpoint_from_config(parse_json(text, path.string(), {kMaxJsonDepth, ErrorCode::ModelFormat, ""}),
                                path.string(), directory);
}

std::size_t num_labels_of(const nlohmann::json& config) {
  if (config.contains("id2label") && config["id2label"].is_object()) return config["id2label"].size();
  if (config.contains("num_labels") && config["num_labels"].is_number_integer()) {
    return static_cast<std::size_t>(std::max<std::int64_t>(0, config["num_labels"].get<std::int64_t>()));
  }
  return 2;
}

}  // namespace rerank::models
