// Appending one tokenised sequence to a PackedBatch the way every family without token
// types or position schemes of its own does (ModernBERT, T5, decoders): ids checked against
// the vocabulary and the length limit before anything is appended (a refused sequence
// leaves the batch unchanged, the Model contract), type ids 0, positions 0, 1, ...
#pragma once

#include <cstdint>
#include <span>

#include "engine/types.hpp"

namespace rerank::models {

// Error(InvalidInput) for an empty sequence, one over `max_length` tokens or an id outside
// [0, vocab_size).
void append_token_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids, std::int64_t vocab_size,
                           std::int64_t max_length);

}  // namespace rerank::models
