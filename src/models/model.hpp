// The interface every model family implements (models/<family>.cpp), and the only model type
// rankers see. A Model holds immutable weights on a device and is shared by every worker
// (shared_ptr<const Model>); per-call state lives in the engine::Session each caller owns.
//
// One call of a ranker: append prepared sequences to a PackedBatch (append_sequence checks
// them against the model), run the batch on a session (forward), read the outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/device.hpp"

namespace rerank::models {

// What forward() returns, row-major.
enum class OutputKind {
  SequenceLogits,    // [sequences x outputs_per_sequence]: a classification head (cross-encoders)
  VocabularyLogits,  // [sequences x vocabulary]: the LM head at one position (monoT5, LLM yes/no)
  SelectedLogits,    // [sequences x rows]: the LM head's rows LoadSettings::vocabulary_rows named, in order
  TokenVectors,      // [tokens x width]: per-token embeddings (ColBERT)
};

struct ModelTraits {
  std::string architecture;           // config.json's architectures[0] (else model_type), as the table names it
  std::string family;                 // the table row's family, e.g. "bert"
  std::int64_t max_sequence_length = 0;  // the longest sequence its positions allow
  std::int32_t pad_token_id = 0;      // config.json pad_token_id (position numbering, padding)
  OutputKind output = OutputKind::SequenceLogits;
  std::size_t outputs_per_sequence = 1;  // labels, vocabulary size or vector width
  engine::Precision precision = engine::Precision::F32;  // of its large GEMMs
};

// Greedy decoding (Model::generate).
struct GenerationOptions {
  std::size_t max_new_tokens = 0;
  std::vector<std::int32_t> stop_ids;  // generation ends after one of these (it is returned)
  bool keep_logits = false;            // return each step's vocabulary logits too
};

struct Generation {
  std::vector<std::int32_t> tokens;  // the new tokens, a stop id last when one ended it
  std::vector<float> logits;         // keep_logits: [tokens x vocabulary], the logits each token was chosen from
};

class Model {
 public:
  virtual ~Model() = default;

  virtual const ModelTraits& traits() const = 0;
  virtual const engine::Device& device() const = 0;

  // Appends one tokenised sequence (with its token type ids, which a family may ignore) to
  // `batch`. Error(InvalidInput) for an id outside the vocabulary, an empty sequence or one
  // longer than max_sequence_length(); a refused sequence leaves `batch` unchanged, so the
  // runtime can pack the next one into the same batch.
  virtual void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                               std::span<const std::int32_t> type_ids) const = 0;

  // Runs `batch` on `session` and reads its outputs back to the host (traits().output says
  // their layout). The session is the caller's alone for the call.
  virtual std::vector<float> forward(engine::Session& session, const engine::PackedBatch& batch) const = 0;

  // Greedy decoding from `prompt`: each new token is the argmax of the vocabulary logits at
  // the last position (the lowest id on ties, as torch.argmax), fed back with the keys and
  // values of every earlier token kept in a cache (each computed once), until a stop id or
  // max_new_tokens. Error(InvalidInput) when the prompt and the new tokens exceed the model's
  // positions; Error(NotSupported) naming the architecture for families that cannot generate
  // (encoders; a decoder loaded with a head over selected vocabulary rows).
  virtual Generation generate(engine::Session& session, std::span<const std::int32_t> prompt,
                              const GenerationOptions& options) const;

  // Floating-point operations of one sequence of `tokens` tokens (the linear layers and the
  // attention products, multiply-add = 2), so every benchmark's fraction of peak is comparable.
  virtual double flops(std::size_t tokens) const = 0;

  std::unique_ptr<engine::Session> make_session() const { return device().make_session(); }
  std::size_t num_labels() const { return traits().outputs_per_sequence; }
  std::int64_t max_sequence_length() const { return traits().max_sequence_length; }
  engine::Precision precision() const { return traits().precision; }
};

}  // namespace rerank::models
