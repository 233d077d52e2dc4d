#include "text/precompiled.hpp"

#include <array>
#include <cstring>

#include "rerank/error.hpp"
#include "text/unicode.hpp"

namespace rerank::text {

std::string base64_decode(std::string_view in) {
  static const auto table = [] {
    std::array<int, 256> t{};
    t.fill(-1);
    const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(chars[i])] = i;
    t['-'] = 62;
    t['_'] = 63;
    return t;
  }();
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) throw Error(ErrorCode::ModelFormat, "precompiled_charsmap is not valid base64");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

PrecompiledCharsmap::PrecompiledCharsmap(std::string_view blob) {
  if (blob.size() < 4) throw Error(ErrorCode::ModelFormat, "precompiled_charsmap is truncated");
  std::uint32_t trie_size = 0;
  for (int i = 3; i >= 0; --i) trie_size = (trie_size << 8) | static_cast<unsigned char>(blob[static_cast<std::size_t>(i)]);
  if (trie_size % 4 != 0 || trie_size > blob.size() - 4 || trie_size == 0)
    throw Error(ErrorCode::ModelFormat, "precompiled_charsmap has an invalid trie size");
  units_.resize(trie_size / 4);
  for (std::size_t i = 0; i < units_.size(); ++i) {
    std::uint32_t u = 0;
    for (int k = 3; k >= 0; --k) u = (u << 8) | static_cast<unsigned char>(blob[4 + i * 4 + static_cast<std::size_t>(k)]);
    units_[i] = u;
  }
  normalized_.assign(blob.substr(4 + trie_size));
}

bool PrecompiledCharsmap::transform(std::string_view chunk, std::string_view& replacement) const {
  // Darts-clone unit layout: has_leaf bit 8, value in the low 31 bits, label = low byte
  // (plus bit 31), offset = (unit >> 10) << ((unit & (1 << 9)) >> 6).
  auto offset = [](std::uint32_t u) { return (u >> 10) << ((u & (1U << 9)) >> 6); };
  std::size_t pos = 0;
  std::uint32_t unit = units_[0];
  pos ^= offset(unit);
  for (const char ch : chunk) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) break;
    pos ^= c;
    if (pos >= units_.size()) return false;
    unit = units_[pos];
    if ((unit & ((1U << 31) | 0xFFU)) != c) return false;
    pos ^= offset(unit);
    if (pos >= units_.size()) return false;
    if ((unit >> 8) & 1U) {
      // The first (shortest) prefix found is the one the reference uses.
      const std::size_t value = units_[pos] & ((1U << 31) - 1);
      if (value >= normalized_.size()) return false;
      const std::size_t end = normalized_.find('\0', value);
      replacement = std::string_view(normalized_).substr(value, (end == std::string::npos ? normalized_.size() : end) - value);
      return true;
    }
  }
  return false;
}

void PrecompiledNormalizer::normalize(NormalizedString& s) const {
  const std::string& text = s.get();
  struct Change {
    char32_t c;
    long change;
  };
  std::vector<Change> changes;
  changes.reserve(text.size());
  bool modified = false;
  // reference replace(): the new characters replace the old ones one for one; extra new ones
  // are insertions, and a shorter replacement makes the last pushed change absorb the rest.
  auto replace = [&](std::string_view old_part, std::string_view new_part) {
    const long old_count = static_cast<long>(uni::count_chars(old_part));
    const long new_count = static_cast<long>(uni::count_chars(new_part));
    std::size_t len = 0;
    for (std::size_t i = 0; i < new_part.size(); i += len) changes.push_back({uni::decode(new_part, i, len), 0});
    const long diff = new_count - old_count;
    if (diff > 0) {
      for (long k = 0; k < diff; ++k) changes[changes.size() - 1 - static_cast<std::size_t>(k)].change = 1;
    } else if (diff < 0 && !changes.empty()) {
      changes.back().change += diff;
    }
  };
  auto per_char = [&](std::string_view g) {
    std::size_t len = 0;
    for (std::size_t i = 0; i < g.size(); i += len) {
      const char32_t c = uni::decode(g, i, len);
      std::string_view rep;
      if (map_.transform(g.substr(i, len), rep)) {
        modified = true;
        replace(g.substr(i, len), rep);
      } else {
        changes.push_back({c, 0});
      }
    }
  };
  std::size_t g_start = 0, len = 0;
  std::int32_t state = 0;
  char32_t prev = 0;
  auto flush = [&](std::size_t g_end) {
    const std::string_view g = std::string_view(text).substr(g_start, g_end - g_start);
    std::string_view rep;
    if (g.size() < 6 && map_.transform(g, rep)) {
      modified = true;
      replace(g, rep);
    } else if (uni::utf8_len(static_cast<unsigned char>(g[0])) == g.size()) {
      // A one-character cluster was just looked up: it stays as it is.
      std::size_t l = 0;
      changes.push_back({uni::decode(g, 0, l), 0});
    } else {
      per_char(g);
    }
  };
  for (std::size_t i = 0; i < text.size(); i += len) {
    const char32_t c = uni::decode(text, i, len);
    // ASCII pairs break except CR LF; utf8proc is asked (with a fresh state) otherwise.
    bool brk = false;
    if (i == 0) {
    } else if (c < 0x80 && prev < 0x80) {
      brk = !(prev == '\r' && c == '\n');
      state = 0;
    } else {
      brk = uni::grapheme_break(prev, c, state);
    }
    if (brk) {
      flush(i);
      g_start = i;
    }
    prev = c;
  }
  if (!text.empty()) flush(text.size());
  if (!modified) return;
  NormalizedString::Rebuilder rb(s);
  for (const auto& ch : changes) rb.push(ch.c, ch.change);
  rb.finish();
}

}  // namespace rerank::text
