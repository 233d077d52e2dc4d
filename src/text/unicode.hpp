// Unicode helpers for the tokenizers: UTF-8 decoding of already validated text and the
// character predicates the Rust `tokenizers` crate uses (std::char and unicode_categories),
// answered from utf8proc's tables. docs/tokenizers.md lists the known version differences.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rerank::text::uni {

// Length in bytes of the UTF-8 sequence starting with lead byte `b` (valid text assumed).
inline std::size_t utf8_len(unsigned char b) {
  if (b < 0x80) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  return 4;
}

// Decodes the code point at `s[i]` of valid UTF-8 text; stores its length in `len`.
inline char32_t decode(std::string_view s, std::size_t i, std::size_t& len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    len = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    len = 2;
    return (char32_t(b0 & 0x1F) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F);
  }
  if (b0 < 0xF0) {
    len = 3;
    return (char32_t(b0 & 0x0F) << 12) | (char32_t(static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3F);
  }
  len = 4;
  return (char32_t(b0 & 0x07) << 18) | (char32_t(static_cast<unsigned char>(s[i + 1]) & 0x3F) << 12) |
         (char32_t(static_cast<unsigned char>(s[i + 2]) & 0x3F) << 6) |
         (static_cast<unsigned char>(s[i + 3]) & 0x3F);
}

inline std::size_t encoded_len(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

inline void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Number of code points in valid UTF-8 text.
std::size_t count_chars(std::string_view s);

// Rust char::is_whitespace (the White_Space property).
bool is_whitespace(char32_t c);
// Rust char::is_numeric (general categories Nd, Nl, No).
bool is_numeric(char32_t c);
// Rust char::is_alphanumeric (Alphabetic or Numeric; Alphabetic approximated by L* and Nl).
bool is_alphanumeric(char32_t c);
// unicode_categories is_punctuation (Pc Pd Ps Pe Pi Pf Po).
bool is_punctuation(char32_t c);
// Rust char::is_ascii_punctuation.
inline bool is_ascii_punctuation(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}
// unicode_categories is_other (Cc Cf Co; not Cs or Cn).
bool is_other(char32_t c);
// unicode_categories is_mark_nonspacing (Mn).
bool is_mark_nonspacing(char32_t c);
// Regex `\w` of the Rust regex crate (Alphabetic, M*, Nd, Pc, Join_Control; approximated).
bool is_word_char(char32_t c);
// BERT's CJK ideograph blocks (handle_chinese_chars).
bool is_bert_chinese(char32_t c);
// Canonical combining class.
int combining_class(char32_t c);

// Full lower-case mapping as Rust char::to_lowercase (unconditional SpecialCasing included).
// Writes up to 3 code points to `out`, returns how many.
int to_lowercase(char32_t c, char32_t* out);

// Full canonical (compat=false) or compatibility decomposition of one code point;
// writes up to `cap` code points, returns how many.
int decompose(char32_t c, bool compat, char32_t* out, int cap);
// Canonical composition of a pair (Hangul included); 0 when the pair does not compose.
char32_t compose(char32_t a, char32_t b);

// Extended grapheme cluster boundary between `prev` and `next`; `state` must start at 0.
bool grapheme_break(char32_t prev, char32_t next, std::int32_t& state);

}  // namespace rerank::text::uni
