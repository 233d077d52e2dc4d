#include "rankers/api/token_budget.hpp"

#include <vector>

namespace rerank::api {

namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Decodes one code point at `i` (invalid bytes count as one code point each).
char32_t decode(std::string_view s, std::size_t i, std::size_t* len) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (i + n > s.size()) n = 1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) n = 1;
  }
  *len = n;
  if (n == 1) return c;
  char32_t cp = c & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

bool is_cjk(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) ||   // kana
         (cp >= 0x3400 && cp <= 0x4DBF) ||   // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||   // CJK unified
         (cp >= 0xAC00 && cp <= 0xD7AF) ||   // Hangul syllables
         (cp >= 0xF900 && cp <= 0xFAFF) ||   // CJK compatibility
         (cp >= 0x20000 && cp <= 0x2FFFF);   // CJK extensions B+
}

bool is_word_char(char32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp >= 0x80;
}

// One unit of text with its byte span and token cost: a CJK code point, a punctuation
// character, or a run of word characters.
struct Piece {
  std::size_t begin, end;
  std::size_t tokens;
};

std::vector<Piece> pieces(std::string_view text) {
  std::vector<Piece> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_space(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    const char32_t cp = decode(text, i, &len);
    if (is_cjk(cp) || !is_word_char(cp)) {
      out.push_back({i, i + len, 1});
      i += len;
      continue;
    }
    // A run of word characters (no CJK): ceil(code points / 4) tokens.
    const std::size_t begin = i;
    std::size_t count = 0;
    while (i < text.size() && !is_space(static_cast<unsigned char>(text[i]))) {
      const char32_t c = decode(text, i, &len);
      if (is_cjk(c) || !is_word_char(c)) break;
      ++count;
      i += len;
    }
    out.push_back({begin, i, (count + 3) / 4});
  }
  return out;
}

// Byte offset after the first `cps` code points of text[begin, end).
std::size_t advance_code_points(std::string_view text, std::size_t begin, std::size_t end, std::size_t cps) {
  std::size_t i = begin;
  while (i < end && cps > 0) {
    std::size_t len = 0;
    decode(text, i, &len);
    i += len;
    --cps;
  }
  return i;
}

std::size_t count_code_points(std::string_view text, std::size_t begin, std::size_t end) {
  std::size_t n = 0;
  for (std::size_t i = begin; i < end; ++n) {
    std::size_t len = 0;
    decode(text, i, &len);
    i += len;
  }
  return n;
}

}  // namespace

std::size_t estimate_tokens(std::string_view text) {
  std::size_t total = 0;
  for (const Piece& p : pieces(text)) total += p.tokens;
  return total;
}

std::string truncate_to_tokens(std::string_view text, std::size_t budget, bool keep_end) {
  const std::vector<Piece> ps = pieces(text);
  std::size_t total = 0;
  for (const Piece& p : ps) total += p.tokens;
  if (total <= budget) return std::string(text);
  if (budget == 0) return std::string();

  std::size_t used = 0;
  if (!keep_end) {
    for (const Piece& p : ps) {
      if (used + p.tokens <= budget) {
        used += p.tokens;
        continue;
      }
      // The piece overflows: keep the part of a long word that still fits (4 code points
      // per remaining token), else cut before it.
      const std::size_t left = budget - used;
      const std::size_t cut = left > 0 ? advance_code_points(text, p.begin, p.end, left * 4) : p.begin;
      std::size_t end = cut;
      if (end == p.begin) {  // drop the whitespace before the cut
        while (end > 0 && is_space(static_cast<unsigned char>(text[end - 1]))) --end;
      }
      return std::string(text.substr(0, end));
    }
    return std::string(text);
  }
  for (std::size_t k = ps.size(); k-- > 0;) {
    const Piece& p = ps[k];
    if (used + p.tokens <= budget) {
      used += p.tokens;
      continue;
    }
    const std::size_t left = budget - used;
    std::size_t begin = p.end;
    if (left > 0) {
      const std::size_t cps = count_code_points(text, p.begin, p.end);
      begin = advance_code_points(text, p.begin, p.end, cps > left * 4 ? cps - left * 4 : 0);
    } else {
      while (begin < text.size() && is_space(static_cast<unsigned char>(text[begin]))) ++begin;
    }
    return std::string(text.substr(begin));
  }
  return std::string(text);
}

}  // namespace rerank::api
