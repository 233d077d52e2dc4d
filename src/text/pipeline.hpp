// The stages of a tokenizer.json pipeline: normalizer -> pre-tokenizer -> model, working on
// the pieces (splits) of one text. Every stage is immutable after loading and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/normalized_string.hpp"

namespace rerank::text {

// A token produced by a model, with byte offsets into its split's normalised string.
struct Token {
  std::int32_t id;
  std::string value;
  std::uint32_t start;
  std::uint32_t end;
};

// One piece of the text: its normalised string and, once known, its tokens.
struct Split {
  NormalizedString normalized;
  bool has_tokens = false;
  std::vector<Token> tokens;
};

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(std::vector<Split>& splits) const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  // Appends the tokens of one pre-tokenised word (offsets relative to `word`).
  virtual void tokenize(std::string_view word, std::vector<Token>& out) const = 0;
  virtual std::optional<std::int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(std::int32_t id) const = 0;
  virtual std::size_t vocab_size() const = 0;
};

// Replaces every split without tokens by the non-empty pieces `fn(normalized, out)` makes of it
// (the reference's PreTokenizedString::split).
template <class Fn>
void split_each(std::vector<Split>& splits, Fn&& fn) {
  std::vector<Split> result;
  result.reserve(splits.size() + 4);
  std::vector<NormalizedString> pieces;
  for (auto& s : splits) {
    if (s.has_tokens) {
      result.push_back(std::move(s));
      continue;
    }
    pieces.clear();
    fn(s.normalized, pieces);
    for (auto& p : pieces)
      if (!p.empty()) result.push_back(Split{std::move(p), false, {}});
  }
  splits.swap(result);
}

// Full partition of `s` by a character predicate (the reference's Fn(char) -> bool pattern).
template <class Pred>
void find_char_matches(const std::string& s, Pred pred, std::vector<MatchSpan>& out) {
  out.clear();
  if (s.empty()) {
    out.push_back({0, 0, false});
    return;
  }
  std::size_t last = 0, len = 0;
  for (std::size_t i = 0; i < s.size(); i += len) {
    const char32_t c = uni::decode(s, i, len);
    if (!pred(c)) continue;
    if (last < i) out.push_back({last, i, false});
    out.push_back({i, i + len, true});
    last = i + len;
  }
  if (last < s.size()) out.push_back({last, s.size(), false});
}

}  // namespace rerank::text
