// What identifies a checkpoint before anything is loaded: its config.json, parsed once (by
// spec resolution or a shape model's description), the architecture names in it, and, read
// only when a table row asks, the names of its tensors.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"

namespace rerank::models {

struct CheckpointInfo {
  std::filesystem::path directory;  // the checkpoint folder; empty for shape models (random weights)
  nlohmann::json config;            // config.json, an object
  std::string where;                // names the source in messages: "DIR/config.json", "shape:NAME"
  std::string architecture;         // architectures[0], "" when absent
  std::string model_type;           // model_type, "" when absent

  // architectures[0], else model_type: what error messages call the checkpoint.
  std::string name() const { return architecture.empty() ? model_type : architecture; }
  // Whether the checkpoint's safetensors (any shard) hold `tensor`; false when the folder has
  // none. Opens them through weights().
  bool has_tensor(const std::string& tensor) const;
  // The safetensors of `directory` (or its shards), opened on the first call and shared by
  // every copy of this info afterwards, so identifying a checkpoint and loading it read the
  // headers once. Errors as io::Checkpoint::open. Not thread-safe (resolution is serial).
  std::shared_ptr<const io::Checkpoint> weights() const;

 private:
  mutable std::shared_ptr<const io::Checkpoint> weights_;
};

// A checkpoint described by an already parsed config.json. Error(ModelFormat) when it is not
// a JSON object or names its architecture with something other than strings.
CheckpointInfo checkpoint_from_config(nlohmann::json config, std::string where, std::filesystem::path directory);

// DIR/config.json read and parsed (bounded nesting). Error(NotFound) without one,
// Error(ModelFormat) naming the file when it is not JSON.
CheckpointInfo read_checkpoint(const std::filesystem::path& directory);

// How many outputs a classification head has: len(id2label) when present, else the
// num_labels key, else 2 (transformers' PretrainedConfig). The one implementation of the rule.
std::size_t num_labels_of(const nlohmann::json& config);

}  // namespace rerank::models
