#include "rankers/listwise/permutation.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <string>

namespace rerank::listwise {

namespace {

// rank_llm's `fake_numbers_map`: code point -> the ASCII digit it stands for.
int mapped_digit(utf8proc_int32_t cp) {
  if (cp == 0x2070) return 0;                      // ⁰
  if (cp == 0x00B9) return 1;                      // ¹
  if (cp == 0x00B2) return 2;                      // ²
  if (cp == 0x00B3) return 3;                      // ³
  if (cp >= 0x2074 && cp <= 0x2079) return cp - 0x2070;  // ⁴..⁹
  if (cp >= 0x2080 && cp <= 0x2089) return cp - 0x2080;  // ₀..₉
  if (cp >= 0x2460 && cp <= 0x2468) return cp - 0x2460 + 1;  // ①..⑨
  if (cp >= 0x2776 && cp <= 0x277E) return cp - 0x2776 + 1;  // ❶..❾
  if (cp >= 0xFF10 && cp <= 0xFF19) return cp - 0xFF10;      // ０..９
  if (cp >= 0x1F100 && cp <= 0x1F109) return cp - 0x1F100;   // 🄀..🄉
  return -1;
}

// Characters Python's str.isdigit() accepts but int() refuses (Numeric_Type=Digit, not
// decimal), left after the map above: rank_llm's parse then raises and keeps input order.
bool digit_but_not_decimal(utf8proc_int32_t cp) {
  return (cp >= 0x2474 && cp <= 0x247C) ||  // ⑴..⑼
         (cp >= 0x2488 && cp <= 0x2490) ||  // ⒈..⒐
         cp == 0x24EA || (cp >= 0x24F5 && cp <= 0x24FD) || cp == 0x24FF ||  // ⓪, ⓵..⓽, ⓿
         (cp >= 0x2780 && cp <= 0x2788) || (cp >= 0x278A && cp <= 0x2792) ||  // ➀..➈, ➊..➒
         (cp >= 0x1369 && cp <= 0x1371) ||  // Ethiopic ፩..፱
         cp == 0x19DA || cp == 0x1F10A ||   // New Tai Lue ᧚, 🄊
         (cp >= 0x10A40 && cp <= 0x10A43) || (cp >= 0x10E60 && cp <= 0x10E68) ||
         (cp >= 0x11052 && cp <= 0x1105A);  // Kharoshthi, Rumi, Brahmi numbers
}

// The value of a Unicode decimal digit (category Nd): decimal digits come in runs of ten
// from zero, so it is the distance from the run's start, modulo ten.
int decimal_value(utf8proc_int32_t cp) {
  if (utf8proc_category(cp) != UTF8PROC_CATEGORY_ND) return -1;
  utf8proc_int32_t start = cp;
  while (start > 0 && utf8proc_category(start - 1) == UTF8PROC_CATEGORY_ND) --start;
  return static_cast<int>((cp - start) % 10);
}

bool is_letter(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return true;
    default: return false;
  }
}

// The answer after its reasoning: the text after the last "</think>" (rank_llm), none at all
// for an opened and never closed "<think>".
std::string_view without_reasoning(std::string_view answer, bool& unclosed) {
  const std::size_t close = answer.rfind("</think>");
  if (close != std::string_view::npos) return answer.substr(close + 8);
  unclosed = answer.find("<think>") != std::string_view::npos;
  return unclosed ? std::string_view() : answer;
}

}  // namespace

Permutation parse_permutation(std::string_view answer, std::size_t window, bool alphabetic) {
  Permutation out;
  std::string_view text = without_reasoning(answer, out.repairs.unclosed_think);

  // clean_ranking_response: identifiers as digit runs, anything else a separator.
  std::vector<std::string> tokens(1);
  const auto separate = [&] {
    if (!tokens.back().empty()) tokens.emplace_back();
  };
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t at = 0;
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  while (at < size && !out.repairs.unparseable) {
    utf8proc_int32_t cp = -1;
    const utf8proc_ssize_t n = utf8proc_iterate(bytes + at, size - at, &cp);
    if (n <= 0) {  // not UTF-8: a byte that is no digit
      ++at;
      separate();
      continue;
    }
    at += n;
    if (alphabetic) {
      if (is_letter(cp)) {
        tokens.back() += std::to_string(static_cast<long long>(cp) - 64);
      } else {
        separate();
      }
      continue;
    }
    int digit = mapped_digit(cp);
    if (digit < 0) digit = decimal_value(cp);
    if (digit >= 0) {
      tokens.back() += static_cast<char>('0' + digit);
    } else if (digit_but_not_decimal(cp)) {
      out.repairs.unparseable = true;
    } else {
      separate();
    }
  }

  // receive_permutation: 0-based, first mention wins, in range only, the rest in input order.
  std::vector<bool> placed(window, false);
  if (!out.repairs.unclosed_think && !out.repairs.unparseable) {
    std::vector<std::string> seen;
    for (const std::string& token : tokens) {
      if (token.empty()) continue;
      const std::string value = token.substr(std::min(token.find_first_not_of('0'), token.size()));
      if (std::find(seen.begin(), seen.end(), value) != seen.end()) {
        ++out.repairs.duplicates;
        continue;
      }
      seen.push_back(value);
      // value is the identifier without leading zeros; "" is 0, which is out of range.
      std::size_t id = 0;
      bool in_range = !value.empty() && value.size() <= 18;
      if (in_range) id = std::stoull(value);
      if (!in_range || id < 1 || id > window) {
        ++out.repairs.out_of_range;
        continue;
      }
      out.order.push_back(id - 1);
      placed[id - 1] = true;
    }
  }
  for (std::size_t i = 0; i < window; ++i) {
    if (placed[i]) continue;
    out.order.push_back(i);
    ++out.repairs.missing;
  }
  return out;
}

}  // namespace rerank::listwise
