#include "text/byte_level.hpp"

#include "text/unicode.hpp"

namespace rerank::text {
namespace {

struct Tables {
  std::array<char32_t, 256> chars{};
  std::array<std::string, 256> utf8;
  std::array<int, 324> byte_of{};  // the mapped code points are all below 256 + 68
  Tables() {
    // Printable Latin-1 bytes map to themselves, the rest to 256, 257, ... in byte order.
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      chars[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
      uni::append_utf8(utf8[static_cast<std::size_t>(b)], chars[static_cast<std::size_t>(b)]);
      byte_of[chars[static_cast<std::size_t>(b)]] = b + 1;  // 0: no byte
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

char32_t byte_to_char(unsigned char b) { return tables().chars[b]; }
const std::string& byte_to_utf8(unsigned char b) { return tables().utf8[b]; }

std::optional<unsigned char> char_to_byte(char32_t c) {
  const auto& t = tables().byte_of;
  if (c >= t.size() || t[c] == 0) return std::nullopt;
  return static_cast<unsigned char>(t[c] - 1);
}

}  // namespace rerank::text
