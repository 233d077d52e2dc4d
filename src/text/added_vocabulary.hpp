// Added tokens (special and normal): found in the raw text before normalisation (tokens with
// normalized=false) and in the normalised pieces (normalized=true), with lstrip/rstrip/
// single_word, leftmost-longest, as the reference's AddedVocabulary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/pipeline.hpp"
#include "text/string_map.hpp"

namespace rerank::text {

struct AddedToken {
  std::string content;
  std::int32_t id = 0;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

class AddedVocabulary {
 public:
  // `normalizer` (may be null) normalises the content of normalized=true tokens.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // The splits of `text` (starting at byte 0): added tokens already tokenised, everything
  // else normalised by `normalizer`.
  std::vector<Split> extract_and_normalize(const Normalizer* normalizer, std::string_view text) const;

  std::optional<std::int32_t> token_to_id(std::string_view token) const { return by_content_.get(token); }
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Matcher {
    struct Node {
      std::vector<std::pair<unsigned char, std::uint32_t>> children;
      std::int32_t token = -1;  // index into tokens_
    };
    std::vector<Node> nodes{1};
    bool first_byte[256] = {};
    void insert(std::string_view key, std::int32_t token);
    // Length and token of the longest key starting at `pos`, or token -1.
    std::pair<std::size_t, std::int32_t> longest(std::string_view s, std::size_t pos) const;
    bool empty() const { return nodes.size() == 1; }
  };
  struct Found {
    std::int32_t token;  // -1: plain text
    std::size_t start, end;
  };
  void find_matches(std::string_view s, const Matcher& m, std::vector<Found>& out) const;
  void split_with(const NormalizedString& ns, const Matcher& m, std::vector<Split>& out) const;

  std::vector<AddedToken> tokens_;
  StringIdMap by_content_;
  Matcher raw_, normalized_;
};

}  // namespace rerank::text
