// A piece of text being normalised, with the alignment of every normalised byte to the
// range of the original text it came from (what the reference's NormalizedString tracks).
// Alignments here are absolute byte offsets into the text given to encode, so a slice
// needs no shift bookkeeping; `orig_start/orig_end` is the original range of the piece.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/unicode.hpp"

namespace rerank::text {

using Align = std::pair<std::uint32_t, std::uint32_t>;

// One element of a full partition of a string: [start, end) and whether it is a match.
struct MatchSpan {
  std::size_t start;
  std::size_t end;
  bool is_match;
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class NormalizedString {
 public:
  NormalizedString() = default;
  // `text` starts at byte `base` of the encoded text.
  NormalizedString(std::string_view text, std::size_t base);

  const std::string& get() const { return norm_; }
  bool empty() const { return norm_.empty(); }
  std::size_t size() const { return norm_.size(); }
  std::size_t orig_start() const { return orig_start_; }
  std::size_t orig_end() const { return orig_end_; }
  const std::vector<Align>& alignments() const { return align_; }

  // Original byte range of normalised bytes [start, end), as the reference's
  // convert_offsets(Range::Normalized) plus the original shift.
  std::pair<std::size_t, std::size_t> original_range(std::size_t start, std::size_t end) const;

  // A sub-piece of normalised bytes [start, end).
  NormalizedString slice(std::size_t start, std::size_t end) const;

  // Splits on a full partition of get() following `behavior` (empty pieces are kept;
  // the caller drops them as the reference does).
  void split(const std::vector<MatchSpan>& matches, SplitBehavior behavior, std::vector<NormalizedString>& out) const;

  // Replaces every match of a partition by `content` (reference NormalizedString::replace).
  void replace(const std::vector<MatchSpan>& matches, std::string_view content);
  // Replaces every occurrence of code point `from` by `content`.
  void replace_char(char32_t from, std::string_view content);
  // Prepends `s` aligned with the first character (no-op on an empty string).
  void prepend(std::string_view s);

  void lowercase();
  void nfd() { decompose(false); }
  void nfkd() { decompose(true); }
  void nfc() { decompose(false, true); }
  void nfkc() { decompose(true, true); }
  // Keeps characters for which keep(c) is true.
  template <class Keep>
  void filter(Keep keep);
  void strip(bool left, bool right);

  // Applies a transformation: the reference's transform(dest, initial_offset) where each new
  // character carries a change (0 replaces one char, 1 inserts, -n replaces and removes n).
  class Rebuilder;

 private:
  void decompose(bool compat, bool recompose = false);
  void set(std::string&& norm, std::vector<Align>&& align) {
    norm_ = std::move(norm);
    align_ = std::move(align);
  }

  std::string norm_;
  std::vector<Align> align_;
  std::size_t orig_start_ = 0;
  std::size_t orig_end_ = 0;
};

// Streams the (char, change) pairs of a transformation over a NormalizedString, exactly as
// the reference's transform_range over the whole string.
class NormalizedString::Rebuilder {
 public:
  Rebuilder(NormalizedString& target, std::size_t initial_offset_chars = 0);
  void push(char32_t c, long change);
  // Bytes of the old string consumed so far.
  std::size_t offset() const { return offset_; }
  void finish();

 private:
  NormalizedString& target_;
  std::string norm_;
  std::vector<Align> align_;
  std::size_t offset_ = 0;
};

template <class Keep>
void NormalizedString::filter(Keep keep) {
  // As the reference: a kept character absorbs the removed ones after it, leading removed
  // characters are the initial offset. Alignments of kept characters are unchanged.
  const std::string& s = norm_;
  std::size_t i = 0, len = 0;
  bool any_removed = false;
  while (i < s.size()) {
    const char32_t c = uni::decode(s, i, len);
    if (!keep(c)) {
      any_removed = true;
      break;
    }
    i += len;
  }
  if (!any_removed) return;
  std::string out;
  std::vector<Align> al;
  out.reserve(s.size());
  al.reserve(s.size());
  for (i = 0; i < s.size(); i += len) {
    const char32_t c = uni::decode(s, i, len);
    if (keep(c)) {
      out.append(s, i, len);
      al.insert(al.end(), align_.begin() + static_cast<std::ptrdiff_t>(i),
                align_.begin() + static_cast<std::ptrdiff_t>(i + len));
    }
  }
  set(std::move(out), std::move(al));
}

}  // namespace rerank::text
