// The one table of architectures: every checkpoint rerank recognises is a row here, and
// nothing outside models/ names an architecture. Spec resolution, `--type`, `rerank models`,
// the ranker registry and the shape models all read it.
//
// A new family is one file (models/<family>.cpp implementing models::Model) plus one row in
// architecture_table.cpp. A row without a loader is detected but not implemented: loading
// it is Error(NotSupported) naming the architecture.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/device.hpp"
#include "models/checkpoint.hpp"
#include "models/model.hpp"
#include "models/weight_source.hpp"

namespace rerank::models {

// What a loader is asked for besides the checkpoint and the device.
struct LoadSettings {
  engine::Precision precision = engine::Precision::F32;  // of the large GEMMs
  // Models with a vocabulary head (T5, decoders): the only rows a caller reads (an LLM
  // reranker's yes/no tokens), in this order. The head is then those rows alone and the
  // model outputs OutputKind::SelectedLogits: the full head of a 150K-token vocabulary is
  // 0.6-2.5 GB of fp32 weights and a GEMM per sequence that a reranker does not need.
  // Empty: the whole vocabulary. Models with a classifier head ignore it.
  std::vector<std::int32_t> vocabulary_rows;
};

// Builds a family's model: parses the family's typed config from checkpoint.config and
// loads its weights onto `device`.
using ModelLoader = std::function<std::shared_ptr<const Model>(
    const CheckpointInfo& checkpoint, const WeightSource& weights, std::shared_ptr<const engine::Device> device,
    const LoadSettings& settings)>;

struct ArchitectureRow {
  std::string architecture;  // config.json architectures[0]
  std::string model_type;    // config.json model_type: identifies checkpoints without `architectures`
  // Where the two names are not enough (a ColBERT checkpoint is a BertModel with a bias-free
  // linear.weight): true when the checkpoint is this row's. Rows with one are tried first.
  std::function<bool(const CheckpointInfo&)> refine;
  std::string refine_note;   // what `refine` checks, for `rerank models` ("a bias-free linear.weight")
  std::string family;        // "bert", "modernbert", "t5", "qwen3", ...
  std::string ranker_type;   // the ranker registry type that runs it: "cross-encoder", "t5", "llm", ...
  ModelLoader load;          // empty: detected, not implemented yet
  std::vector<engine::Precision> precisions;  // what the family runs at
  std::vector<std::string> devices;           // "cpu", "cuda"

  bool implemented() const { return static_cast<bool>(load); }
};

class ArchitectureTable {
 public:
  void add(ArchitectureRow row);
  const std::vector<ArchitectureRow>& rows() const { return rows_; }

  // The row of a checkpoint: refined rows first, then architectures[0], then model_type when
  // the config has no architectures. Null when no row matches.
  const ArchitectureRow* match(const CheckpointInfo& checkpoint) const;
  // match(), or Error(NotSupported) naming the checkpoint's architecture and what is supported.
  const ArchitectureRow& require(const CheckpointInfo& checkpoint) const;
  // The row named `architecture`, or null.
  const ArchitectureRow* find(std::string_view architecture) const;

  // Every architecture assigned to `ranker_type`, implemented or not.
  std::vector<std::string> architectures_of_ranker_type(std::string_view ranker_type) const;
  // The first architecture whose model_type is `model_type`; Error(NotFound) otherwise.
  std::string architecture_of_model_type(std::string_view model_type) const;
  // "BertForSequenceClassification, ..." : the implemented architectures, for messages.
  std::string implemented_summary() const;

 private:
  std::vector<ArchitectureRow> rows_;
};

// The built-in table (architecture_table.cpp).
const ArchitectureTable& architecture_table();

}  // namespace rerank::models
