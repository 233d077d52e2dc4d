// SentencePiece's precompiled charsmap (the "Precompiled" normalizer): a Darts double-array
// trie from UTF-8 sequences to replacement strings, applied per grapheme as the reference does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/pipeline.hpp"

namespace rerank::text {

std::string base64_decode(std::string_view in);

class PrecompiledCharsmap {
 public:
  // `blob`: the decoded charsmap (u32 trie size, trie units, then NUL-terminated strings).
  explicit PrecompiledCharsmap(std::string_view blob);

  // The replacement for the shortest entry that is a prefix of `chunk`, as the reference's
  // transform(); false when none is.
  bool transform(std::string_view chunk, std::string_view& replacement) const;

 private:
  std::vector<std::uint32_t> units_;
  std::string normalized_;
};

class PrecompiledNormalizer : public Normalizer {
 public:
  explicit PrecompiledNormalizer(std::string_view blob) : map_(blob) {}
  void normalize(NormalizedString& s) const override;

 private:
  PrecompiledCharsmap map_;
};

}  // namespace rerank::text
