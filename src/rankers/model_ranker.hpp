// The contract below the public Ranker for rankers that run a local model: two phases.
//
//   prepare  (the family's ranker, on the caller's thread): tokenise, apply the family's
//            template, validate, truncate or fail this request alone with its typed error,
//            count real tokens. The exact model input comes out.
//   run      (the runtime, runtime/model_runtime.hpp): pack prepared sequences of one or many
//            requests under one real-token budget, run them on a pooled session, hand each
//            sequence its outputs back; the ranker turns outputs into a raw score.
//
// Every model family implements prepare (and its score rule); none implements run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/load_model.hpp"
#include "models/model.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

// One model input, exactly as the model gets it.
struct PreparedSequence {
  std::vector<std::int32_t> input_ids;
  std::vector<std::int32_t> token_type_ids;
  std::vector<std::string> tokens;      // the token strings: only when prepare() was asked for them
  bool truncated = false;               // cut to the max length
  bool longest_first_fallback = false;  // the query alone was too long for only_second: both were cut
  std::size_t length() const { return input_ids.size(); }
};

// One request prepared: a sequence per document, in input order.
struct PreparedRequest {
  std::vector<PreparedSequence> sequences;
  std::size_t tokens = 0;  // real tokens of all its sequences
};

// The part of the public load options that says where and how a model runs.
inline models::ModelLoadOptions model_load_options(const LoadOptions& options) {
  models::ModelLoadOptions load;
  load.device = options.device;
  load.threads = options.threads;
  load.precision = options.precision;
  load.cuda_attention = options.cuda_attention;
  return load;
}

class ModelRanker {
 public:
  virtual ~ModelRanker() = default;

  // type, spec, model name, score kind, max length (the runtime adds device, precision and
  // its token budget).
  virtual const RankerInfo& info() const = 0;
  virtual const models::Model& model() const = 0;

  // Phase 1. Thread-safe. Error(InvalidInput) when a pair cannot be fitted (truncation off,
  // or longest_first cannot fit either); other typed errors for invalid text. The token
  // strings are kept only with `token_strings` (`rerank prepare`): a queued request should
  // not hold a string per token.
  virtual PreparedRequest prepare(std::string_view query, std::span<const std::string_view> documents,
                                  const ScoreOptions& options, bool token_strings = false) const = 0;

  // The raw score of one sequence from its model outputs (the family's score rule).
  virtual double score(std::span<const float> outputs) const = 0;
};

}  // namespace rerank
