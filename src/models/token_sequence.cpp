#include "models/token_sequence.hpp"

#include <string>

#include "rerank/error.hpp"

namespace rerank::models {

void append_token_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids, std::int64_t vocab_size,
                           std::int64_t max_length) {
  if (ids.empty()) throw Error(ErrorCode::InvalidInput, "empty token sequence");
  if (static_cast<std::int64_t>(ids.size()) > max_length) {
    throw Error(ErrorCode::InvalidInput, "sequence of " + std::to_string(ids.size()) + " tokens is longer than the " +
                                             std::to_string(max_length) + " the model runs");
  }
  for (const std::int32_t id : ids) {
    if (id < 0 || id >= vocab_size) {
      throw Error(ErrorCode::InvalidInput, "token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                                               std::to_string(vocab_size) + " (does the tokenizer belong to this model?)");
    }
  }
  if (batch.seq_starts.empty()) batch.seq_starts.push_back(0);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    batch.input_ids.push_back(ids[i]);
    batch.token_type_ids.push_back(0);
    batch.position_ids.push_back(static_cast<std::int32_t>(i));
  }
  batch.seq_starts.push_back(static_cast<std::int32_t>(batch.input_ids.size()));
}

}  // namespace rerank::models
