// Truncation exactly as Hugging Face tokenizers 0.23 does it for one encode call: the stride
// check of with_truncation, the early exit of do_tokenize (tokenize_with_limit) and
// truncate_encodings on the budget the special tokens leave. Every place that truncates a
// text or a pair (tokenizer, rankers, server, CUDA path) goes through truncate_for_encode.
#pragma once

#include <optional>

#include "text/tokenizer.hpp"

namespace rerank::text {

// Keeps at most `max_len` tokens of `e` from the given side (split ends follow). With a stride,
// a cut to fewer tokens than `stride + 1` is Error(InvalidInput), where the reference asserts.
void truncate_encoding(Encoding& e, std::size_t max_len, TruncationDirection direction,
                       std::size_t stride = 0);

// The reference's early exit (tokenize_with_limit) replayed on a complete raw encoding: splits
// are taken in `direction` order until, after a split the model tokenised (not an added token),
// at least `max_tokens` tokens are held; the rest is dropped. No-op without split ends.
void cap_at_split(Encoding& e, std::size_t max_tokens, TruncationDirection direction);

// Truncates `first` (and `second`) to `max_length` tokens in total following `strategy`.
// Throws Error(InvalidInput) where the reference fails (only_first/only_second cannot
// remove enough, only_second without a second sequence).
void truncate_encodings(Encoding& first, std::optional<Encoding>& second, std::size_t max_length,
                        TruncationStrategy strategy, TruncationDirection direction, std::size_t stride = 0);

// The whole rule for one encode call, on raw encodings. `specials_single` is what the
// post-processor adds to one text (the reference's stride check uses it), `specials_added`
// what it adds to this call (0 without special tokens). Where the reference would wrap around
// (a max length smaller than the special tokens) this throws Error(InvalidInput) instead.
void truncate_for_encode(Encoding& first, std::optional<Encoding>& second, const TruncationOptions& options,
                         std::size_t specials_single, std::size_t specials_added);

// Appends `b` to `a` (offsets unchanged; split ends are not carried).
void append_encoding(Encoding& a, const Encoding& b);

}  // namespace rerank::text
