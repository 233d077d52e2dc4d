// Oniguruma regexes (the engine the reference tokenizers use for Split/Replace patterns),
// with the reference's partition of a string into matches and gaps.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/normalized_string.hpp"

namespace rerank::text {

class OnigRegex {
 public:
  // Compiles `pattern` (Ruby syntax, UTF-8) or throws Error(ModelFormat).
  explicit OnigRegex(const std::string& pattern);
  ~OnigRegex();
  OnigRegex(const OnigRegex&) = delete;
  OnigRegex& operator=(const OnigRegex&) = delete;

  // Full partition of `text` into matches and the gaps between them; empty text gives one
  // empty non-match, as the reference's Pattern::find_matches. Thread-safe.
  void find_matches(std::string_view text, std::vector<MatchSpan>& out) const;

  // Escapes a literal string for use as a pattern (the reference's regex::escape).
  static std::string escape(std::string_view literal);

 private:
  void* regex_ = nullptr;  // OnigRegex, kept opaque to keep oniguruma.h out of this header
};

}  // namespace rerank::text
