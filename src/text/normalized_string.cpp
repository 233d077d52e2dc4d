#include "text/normalized_string.hpp"

#include <algorithm>
#include <optional>

namespace rerank::text {

NormalizedString::NormalizedString(std::string_view text, std::size_t base)
    : norm_(text), orig_start_(base), orig_end_(base + text.size()) {
  align_.resize(text.size());
  std::size_t len = 0;
  for (std::size_t i = 0; i < text.size(); i += len) {
    len = uni::utf8_len(static_cast<unsigned char>(text[i]));
    if (i + len > text.size()) len = text.size() - i;
    const Align a{static_cast<std::uint32_t>(base + i), static_cast<std::uint32_t>(base + i + len)};
    for (std::size_t k = 0; k < len; ++k) align_[i + k] = a;
  }
}

std::pair<std::size_t, std::size_t> NormalizedString::original_range(std::size_t start, std::size_t end) const {
  if (start >= end || end > align_.size()) return {orig_start_ + start, orig_start_ + end};
  return {align_[start].first, align_[end - 1].second};
}

NormalizedString NormalizedString::slice(std::size_t start, std::size_t end) const {
  NormalizedString out;
  out.norm_.assign(norm_, start, end - start);
  out.align_.assign(align_.begin() + static_cast<std::ptrdiff_t>(start),
                    align_.begin() + static_cast<std::ptrdiff_t>(end));
  const auto r = original_range(start, end);
  out.orig_start_ = r.first;
  out.orig_end_ = r.second;
  return out;
}

void NormalizedString::split(const std::vector<MatchSpan>& matches, SplitBehavior behavior,
                             std::vector<NormalizedString>& out) const {
  struct Piece {
    std::size_t start, end;
    bool remove;
  };
  std::vector<Piece> pieces;
  pieces.reserve(matches.size());
  switch (behavior) {
    case SplitBehavior::Isolated:
      for (const auto& m : matches) pieces.push_back({m.start, m.end, false});
      break;
    case SplitBehavior::Removed:
      for (const auto& m : matches) pieces.push_back({m.start, m.end, m.is_match});
      break;
    case SplitBehavior::Contiguous: {
      bool previous = false;
      for (const auto& m : matches) {
        if (m.is_match == previous && !pieces.empty())
          pieces.back().end = m.end;
        else
          pieces.push_back({m.start, m.end, false});
        previous = m.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithPrevious: {
      bool previous = false;
      for (const auto& m : matches) {
        if (m.is_match && !previous && !pieces.empty())
          pieces.back().end = m.end;
        else
          pieces.push_back({m.start, m.end, false});
        previous = m.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool previous = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->is_match && !previous && !pieces.empty())
          pieces.back().start = it->start;
        else
          pieces.push_back({it->start, it->end, false});
        previous = it->is_match;
      }
      std::reverse(pieces.begin(), pieces.end());
      break;
    }
  }
  for (const auto& p : pieces)
    if (!p.remove) out.push_back(slice(p.start, p.end));
}

NormalizedString::Rebuilder::Rebuilder(NormalizedString& target, std::size_t initial_offset_chars) : target_(target) {
  norm_.reserve(target.norm_.size() + 8);
  align_.reserve(target.norm_.size() + 8);
  for (std::size_t k = 0; k < initial_offset_chars && offset_ < target.norm_.size(); ++k)
    offset_ += uni::utf8_len(static_cast<unsigned char>(target.norm_[offset_]));
}

void NormalizedString::Rebuilder::push(char32_t c, long change) {
  const auto& old = target_.norm_;
  const auto& old_align = target_.align_;
  const Align base{static_cast<std::uint32_t>(target_.orig_start_), static_cast<std::uint32_t>(target_.orig_start_)};
  Align a;
  if (change > 0) {
    a = offset_ >= 1 && offset_ - 1 < old_align.size() ? old_align[offset_ - 1] : base;
  } else {
    a = offset_ < old_align.size() ? old_align[offset_] : (old_align.empty() ? base : old_align.back());
    long consume = 1 - change;  // the replaced character plus the removed ones
    while (consume-- > 0 && offset_ < old.size()) offset_ += uni::utf8_len(static_cast<unsigned char>(old[offset_]));
  }
  const std::size_t before = norm_.size();
  uni::append_utf8(norm_, c);
  align_.insert(align_.end(), norm_.size() - before, a);
}

void NormalizedString::Rebuilder::finish() { target_.set(std::move(norm_), std::move(align_)); }

void NormalizedString::replace(const std::vector<MatchSpan>& matches, std::string_view content) {
  bool any = false;
  for (const auto& m : matches) any = any || (m.is_match && m.end > m.start);
  if (!any) return;
  std::string out;
  std::vector<Align> al;
  out.reserve(norm_.size() + content.size());
  al.reserve(norm_.size() + content.size());
  const Align base{static_cast<std::uint32_t>(orig_start_), static_cast<std::uint32_t>(orig_start_)};
  for (const auto& m : matches) {
    if (!m.is_match || m.end == m.start) {
      out.append(norm_, m.start, m.end - m.start);
      al.insert(al.end(), align_.begin() + static_cast<std::ptrdiff_t>(m.start),
                align_.begin() + static_cast<std::ptrdiff_t>(m.end));
      continue;
    }
    // Every new character is an insertion aligned with the last byte of the match.
    const Align a = m.end >= 1 ? align_[m.end - 1] : base;
    out.append(content);
    al.insert(al.end(), content.size(), a);
  }
  set(std::move(out), std::move(al));
}

void NormalizedString::replace_char(char32_t from, std::string_view content) {
  std::vector<MatchSpan> matches;
  std::size_t last = 0, len = 0;
  for (std::size_t i = 0; i < norm_.size(); i += len) {
    const char32_t c = uni::decode(norm_, i, len);
    if (c != from) continue;
    if (last < i) matches.push_back({last, i, false});
    matches.push_back({i, i + len, true});
    last = i + len;
  }
  if (matches.empty()) return;
  if (last < norm_.size()) matches.push_back({last, norm_.size(), false});
  replace(matches, content);
}

void NormalizedString::prepend(std::string_view s) {
  if (norm_.empty() || s.empty()) return;
  const std::size_t first_len = uni::utf8_len(static_cast<unsigned char>(norm_[0]));
  const Align first = align_[0];
  const Align last_of_first = align_[std::min(first_len, align_.size()) - 1];
  std::vector<Align> al;
  al.reserve(align_.size() + s.size());
  const std::size_t first_char_len = uni::utf8_len(static_cast<unsigned char>(s[0]));
  al.insert(al.end(), first_char_len, first);
  al.insert(al.end(), s.size() - first_char_len, last_of_first);
  al.insert(al.end(), first_len, last_of_first);
  al.insert(al.end(), align_.begin() + static_cast<std::ptrdiff_t>(first_len), align_.end());
  std::string out;
  out.reserve(norm_.size() + s.size());
  out.append(s).append(norm_);
  set(std::move(out), std::move(al));
}

void NormalizedString::lowercase() {
  // Fast path: every character keeps its byte length, so bytes change in place.
  std::size_t len = 0;
  bool in_place = true;
  char32_t buf[3];
  for (std::size_t i = 0; i < norm_.size() && in_place; i += len) {
    const char32_t c = uni::decode(norm_, i, len);
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') norm_[i] = static_cast<char>(c + 32);
      continue;
    }
    const int n = uni::to_lowercase(c, buf);
    if (n != 1 || uni::encoded_len(buf[0]) != len) {
      in_place = false;
      break;
    }
    if (buf[0] != c) {
      std::string enc;
      uni::append_utf8(enc, buf[0]);
      norm_.replace(i, len, enc);
      for (std::size_t k = 1; k < len; ++k) align_[i + k] = align_[i];
    }
  }
  if (in_place) return;
  Rebuilder rb(*this);
  for (std::size_t i = 0; i < norm_.size(); i += len) {
    const char32_t c = uni::decode(norm_, i, len);
    const int n = uni::to_lowercase(c, buf);
    for (int k = 0; k < n; ++k) rb.push(buf[k], k > 0 ? 1 : 0);
  }
  rb.finish();
}

void NormalizedString::decompose(bool compat, bool recompose) {
  bool ascii = true;
  for (const char ch : norm_) ascii = ascii && static_cast<unsigned char>(ch) < 0x80;
  if (ascii) return;
  struct Item {
    char32_t c;
    int ccc;
    long change;
  };
  std::vector<Item> items;
  items.reserve(norm_.size());
  std::size_t len = 0;
  char32_t buf[32];
  for (std::size_t i = 0; i < norm_.size(); i += len) {
    const char32_t c = uni::decode(norm_, i, len);
    const int n = uni::decompose(c, compat, buf, 32);
    for (int k = 0; k < n; ++k) items.push_back({buf[k], uni::combining_class(buf[k]), k > 0 ? 1L : 0L});
  }
  // Canonical ordering: stable sort of every run of non-starters by combining class.
  for (std::size_t i = 0; i < items.size();) {
    if (items[i].ccc == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < items.size() && items[j].ccc != 0) ++j;
    std::stable_sort(items.begin() + static_cast<std::ptrdiff_t>(i), items.begin() + static_cast<std::ptrdiff_t>(j),
                     [](const Item& a, const Item& b) { return a.ccc < b.ccc; });
    i = j;
  }
  if (recompose) {
    // The reference's Recompositions state machine, carrying the alignment changes.
    std::vector<Item> out;
    out.reserve(items.size());
    std::optional<Item> composee;
    std::optional<int> last_ccc;
    std::vector<Item> pending;
    for (const Item& it : items) {
      if (!composee) {
        if (it.ccc != 0) {
          out.push_back(it);
          continue;
        }
        composee = it;
        continue;
      }
      const Item k = *composee;
      if (!last_ccc) {
        if (const char32_t r = uni::compose(k.c, it.c)) {
          composee = Item{r, uni::combining_class(r), k.change + it.change - 1};
          continue;
        }
        if (it.ccc == 0) {
          composee = it;
          out.push_back(k);
          continue;
        }
        pending.push_back(it);
        last_ccc = it.ccc;
        continue;
      }
      if (*last_ccc >= it.ccc) {
        if (it.ccc == 0) {
          composee = it;
          last_ccc.reset();
          out.push_back(k);
          out.insert(out.end(), pending.begin(), pending.end());
          pending.clear();
          continue;
        }
        pending.push_back(it);
        last_ccc = it.ccc;
        continue;
      }
      if (const char32_t r = uni::compose(k.c, it.c)) {
        composee = Item{r, uni::combining_class(r), k.change + it.change - 1};
        continue;
      }
      pending.push_back(it);
      last_ccc = it.ccc;
    }
    if (composee) out.push_back(*composee);
    out.insert(out.end(), pending.begin(), pending.end());
    items.swap(out);
  }
  Rebuilder rb(*this);
  for (const Item& it : items) rb.push(it.c, it.change);
  rb.finish();
}

void NormalizedString::strip(bool left, bool right) {
  std::size_t begin = 0, end = norm_.size(), len = 0;
  if (left) {
    while (begin < end) {
      const char32_t c = uni::decode(norm_, begin, len);
      if (!uni::is_whitespace(c)) break;
      begin += len;
    }
  }
  if (right) {
    while (end > begin) {
      std::size_t p = end - 1;
      while (p > begin && (static_cast<unsigned char>(norm_[p]) & 0xC0) == 0x80) --p;
      const char32_t c = uni::decode(norm_, p, len);
      if (!uni::is_whitespace(c)) break;
      end = p;
    }
  }
  if (begin == 0 && end == norm_.size()) return;
  std::string out = norm_.substr(begin, end - begin);
  std::vector<Align> al(align_.begin() + static_cast<std::ptrdiff_t>(begin),
                        align_.begin() + static_cast<std::ptrdiff_t>(end));
  set(std::move(out), std::move(al));
}

}  // namespace rerank::text
