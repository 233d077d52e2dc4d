// The table of ranker types rerank knows, and the factories of those it supports.
// Filled once by register_builtin_rankers() (src/rankers/builtin.hpp); no static
// self-registration, so what is linked in is explicit.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rerank/ranker.hpp"

namespace rerank {

// What spec resolution found out about a spec before anything is loaded.
struct ModelSource {
  std::string spec;                 // as the user wrote it
  std::string type;                 // registry type, e.g. "cross-encoder"
  std::string model;                // model id, provider model name, alias default, shape name
  std::string revision;             // Hub revision ("main" unless given)
  std::filesystem::path directory;  // local checkout (a folder or a Hub cache snapshot), if any
  nlohmann::json config;            // config.json when there is one, else null
  std::string architecture;         // config.json architectures[0] (or model_type), if any
  std::size_t num_labels = 0;       // len(id2label) when present, else 2 (transformers' rule)
};

using RankerFactory = std::function<std::unique_ptr<Ranker>(const ModelSource&, const LoadOptions&)>;

struct RankerType {
  std::string name;         // "bm25", "cross-encoder", "cohere", ...
  std::string family;       // "lexical", "cross-encoder", "llm", "api", ...
  std::string description;  // one line for `rerank models`
  std::string needs;        // what loading it requires (files, keys, services)
  // Architectures (config.json) this type runs; empty when it takes no checkpoint.
  std::vector<std::string> architectures;
  // Empty while the type is known but not supported yet: loading it is a NotSupported error.
  RankerFactory factory;
};

class RankerRegistry {
 public:
  void add(RankerType type);  // replaces a type of the same name
  const RankerType* find(const std::string& name) const;
  const std::vector<RankerType>& types() const { return types_; }
  // "bm25, cross-encoder (architectures...), ..." for error messages.
  std::string supported_summary() const;

 private:
  std::vector<RankerType> types_;
};

}  // namespace rerank
