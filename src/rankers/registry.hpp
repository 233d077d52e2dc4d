// The table of ranker types rerank knows, and the factories of those it supports, over one
// architecture table (models/architecture_table.hpp): a type's architectures are the table's
// rows that name it. Filled by make_builtin_registry() (src/rankers/builtin.hpp); no static
// self-registration, so what is linked in is explicit.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/architecture_table.hpp"
#include "rankers/model_ranker.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

// What spec resolution found out about a spec before anything is loaded.
struct ModelSource {
  std::string spec;                 // as the user wrote it
  std::string type;                 // registry type, e.g. "cross-encoder"
  std::string model;                // model id, provider model name, alias default, shape name
  std::string revision;             // Hub revision ("main" unless given)
  std::filesystem::path directory;  // local checkout (a folder or a Hub cache snapshot), if any
  // config.json (parsed once) and the weights it opened, when there is a checkpoint folder.
  std::optional<models::CheckpointInfo> checkpoint;
  std::string architecture;         // the architecture table's row for config.json, if any
  std::size_t num_labels = 0;       // models::num_labels_of(config)
};

// What a factory made: a ranker that scores requests itself (BM25, hosted APIs), or one
// that runs a local model, which the runtime serves (runtime/load.cpp). Exactly one is set.
struct LoadedRanker {
  std::unique_ptr<Ranker> ranker;
  std::unique_ptr<ModelRanker> model_ranker;
};

using RankerFactory = std::function<LoadedRanker(const ModelSource&, const LoadOptions&)>;

struct RankerType {
  std::string name;         // "bm25", "cross-encoder", "cohere", ...
  std::string family;       // "lexical", "cross-encoder", "llm", "api", ...
  std::string description;  // one line for `rerank models`
  std::string needs;        // what loading it requires (files, keys, services)
  bool takes_checkpoint = false;  // runs a checkpoint (config.json + weights) of the architecture table
  // Empty while the type is known but not supported yet: loading it is a NotSupported error.
  RankerFactory factory;
};

class RankerRegistry {
 public:
  explicit RankerRegistry(std::shared_ptr<const models::ArchitectureTable> architectures)
      : architectures_(std::move(architectures)) {}

  void add(RankerType type);  // replaces a type of the same name
  const RankerType* find(const std::string& name) const;
  const std::vector<RankerType>& types() const { return types_; }
  const models::ArchitectureTable& architectures() const { return *architectures_; }
  std::shared_ptr<const models::ArchitectureTable> shared_architectures() const { return architectures_; }
  // The table's architectures that `type` runs, implemented or planned.
  std::vector<std::string> architectures_of(const RankerType& type) const;
  // "bm25, cross-encoder (architectures...), ..." for error messages: supported types with
  // their implemented architectures.
  std::string supported_summary() const;

 private:
  std::shared_ptr<const models::ArchitectureTable> architectures_;
  std::vector<RankerType> types_;
};

}  // namespace rerank
