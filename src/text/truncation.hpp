// Pair truncation as the reference's truncate_encodings (strategies, directions, errors).
#pragma once

#include <optional>

#include "text/tokenizer.hpp"

namespace rerank::text {

// Keeps at most `max_len` tokens of `e` from the given side.
void truncate_encoding(Encoding& e, std::size_t max_len, TruncationDirection direction);

// Truncates `first` (and `second`) to `max_length` tokens in total following `strategy`.
// Throws Error(InvalidInput) where the reference fails (only_first/only_second cannot
// remove enough, only_second without a second sequence).
void truncate_encodings(Encoding& first, std::optional<Encoding>& second, std::size_t max_length,
                        TruncationStrategy strategy, TruncationDirection direction);

// Appends `b` to `a` (offsets unchanged).
void append_encoding(Encoding& a, const Encoding& b);

}  // namespace rerank::text
