// Hugging Face tokenizers in C++: loads tokenizer.json (+ tokenizer_config.json) and encodes
// exactly as the Rust `tokenizers` library does.
//
// Contract used by the models/rankers layers (keep it stable; extend, don't break):
//  - encode_raw(): normalise, pre-tokenise and run the model; no special tokens, no truncation.
//  - combine(): the post-processor (special tokens, type ids) plus pair truncation, applied to
//    already encoded pieces; so a ranker encodes the query once per request and combines it
//    with each document. encode_pair(a, b, ...) == combine(encode_raw(a), encode_raw(b), ...).
//  - Offsets are byte offsets into the original text (per piece); see to_char_offsets().
//  - Thread-safe: a loaded Tokenizer is immutable; every const method may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rerank::text {

// The end of one pre-tokenised split of a raw encoding (the reference's PreTokenizedString
// split): the token count up to its end, and whether it is an added token matched before
// pre-tokenisation. Truncation's early exit (tokenizers 0.23) stops at split boundaries, so a
// raw encoding keeps them.
struct SplitEnd {
  std::uint32_t end;
  bool added;
};

struct Encoding {
  std::vector<std::int32_t> ids;
  std::vector<std::int32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<std::pair<std::size_t, std::size_t>> offsets;  // byte [start, end) in its own text
  std::vector<std::uint8_t> special_tokens_mask;             // 1 for tokens added by the post-processor
  std::vector<std::uint32_t> sequence_ids;                   // 0 = first text, 1 = pair, ~0u = special
  // Raw encodings only (encode_raw): where each split ends, in order. Empty where the tokenizer
  // has no split structure (SentencePiece .model files) and after combine().
  std::vector<SplitEnd> split_ends;
  std::size_t size() const { return ids.size(); }
};

enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };
enum class TruncationDirection { Right, Left };

struct TruncationOptions {
  std::size_t max_length = 512;  // total length including special tokens
  TruncationStrategy strategy = TruncationStrategy::LongestFirst;
  TruncationDirection direction = TruncationDirection::Right;
  // The reference's overflow stride. It never changes the ids kept (rerank returns no
  // overflowing windows); it is checked as the reference checks it, so the same settings fail.
  std::size_t stride = 0;
};

// "longest_first" | "only_first" | "only_second"; Error(InvalidArgument) otherwise.
TruncationStrategy parse_truncation_strategy(std::string_view name);

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Loads DIR/tokenizer.json (and DIR/tokenizer_config.json when present); falls back to a
  // SentencePiece DIR/*.model when there is no tokenizer.json. Error(NotFound/ModelFormat).
  static std::unique_ptr<Tokenizer> from_directory(const std::filesystem::path& dir);
  // A tokenizer.json file; tokenizer_config.json beside it is read when present.
  static std::unique_ptr<Tokenizer> from_file(const std::filesystem::path& tokenizer_json);
  // A tokenizer.json already in memory (e.g. built from a GGUF vocabulary).
  static std::unique_ptr<Tokenizer> from_json_string(std::string_view tokenizer_json);

  virtual Encoding encode_raw(std::string_view text) const = 0;
  // encode_raw as truncation will cap it (cap_at_split: the reference's early exit at
  // `max_tokens`), without tokenising the rest of a long text. Equal to
  // cap_at_split(encode_raw(text), max_tokens, direction).
  virtual Encoding encode_raw_capped(std::string_view text, std::size_t max_tokens,
                                     TruncationDirection direction) const;

  // Post-processing with optional truncation. Throws Error(InvalidInput) when the strategy
  // cannot fit (e.g. only_second with a query longer than max_length), as the reference does.
  virtual Encoding combine(Encoding first, std::optional<Encoding> second, bool add_special_tokens,
                           const std::optional<TruncationOptions>& truncation) const = 0;

  Encoding encode(std::string_view text, bool add_special_tokens = true,
                  const std::optional<TruncationOptions>& truncation = std::nullopt) const;
  Encoding encode_pair(std::string_view first, std::string_view second, bool add_special_tokens = true,
                       const std::optional<TruncationOptions>& truncation = std::nullopt) const;

  // Number of special tokens the post-processor adds to a single text or a pair.
  virtual std::size_t num_special_tokens(bool pair) const = 0;

  // model_max_length from tokenizer_config.json, when given (absurd "infinite" values -> nullopt).
  virtual std::optional<std::size_t> model_max_length() const = 0;
  virtual std::optional<std::int32_t> token_to_id(std::string_view token) const = 0;
  // Token ids back to text, as the reference's Tokenizer.decode: each id's token string (added
  // tokens first; special ones left out with skip_special_tokens; ids outside the vocabulary
  // skipped, as the reference does), then tokenizer.json's decoder. Error(NotSupported) names
  // a decoder this library cannot run (text/decoders.hpp lists those it can).
  virtual std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = true) const = 0;
  virtual std::optional<std::int32_t> pad_token_id() const = 0;
  virtual std::size_t vocab_size() const = 0;
};

// Byte offsets -> Unicode code point offsets into `text` (what Python `tokenizers` reports).
std::vector<std::pair<std::size_t, std::size_t>> to_char_offsets(
    std::string_view text, const std::vector<std::pair<std::size_t, std::size_t>>& byte_offsets);

}  // namespace rerank::text
