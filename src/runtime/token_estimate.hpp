// Cheap token counts for the batching budget. The scheduler sits above the rankers and does
// not know their tokenizers; it only needs lengths good enough to size batches and to group
// requests of similar length, so it estimates (about one token per four bytes of text, which
// is what WordPiece/BPE vocabularies average on English prose).
#pragma once

#include <cstddef>
#include <string_view>

namespace rerank::runtime {

// Estimated tokens of `text` alone (no special tokens); at least 1 for non-empty text.
std::size_t estimate_tokens(std::string_view text);

// Estimated tokens of one (query, document) pair: both texts plus three special tokens, the
// document capped at `max_document_tokens` when non-zero and the pair at `max_pair_tokens`
// when non-zero.
std::size_t estimate_pair_tokens(std::size_t query_tokens, std::size_t document_tokens,
                                 std::size_t max_document_tokens, std::size_t max_pair_tokens);

}  // namespace rerank::runtime
