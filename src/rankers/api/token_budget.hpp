// Approximate token counts for hosted APIs, whose tokenizers we do not have: used for
// client-side truncation to a per-document budget, for the tokens-per-minute limiter and
// for splitting requests under a token cap.
//
// The rule (documented in docs/providers.md): a run of letters and digits (any script
// but CJK) costs ceil(code points / 4) tokens; every CJK / Hangul / kana code point and
// every punctuation or symbol character costs one token; whitespace is free. This tracks
// BPE and WordPiece vocabularies on English prose (about 4 characters per token) and
// errs towards overestimating, which keeps budgets and rate limits on the safe side.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rerank::api {

std::size_t estimate_tokens(std::string_view text);

// The longest prefix (or suffix when `keep_end`) of `text` whose estimate fits `budget`,
// cut at a word boundary when possible and always at a UTF-8 code point boundary.
// Returns `text` unchanged when it already fits.
std::string truncate_to_tokens(std::string_view text, std::size_t budget, bool keep_end = false);

}  // namespace rerank::api
