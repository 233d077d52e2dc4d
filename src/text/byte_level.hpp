// GPT-2's reversible byte <-> printable character mapping (bytes_to_unicode).
#pragma once

#include <array>
#include <optional>
#include <string>

namespace rerank::text {

// Code point that stands for byte b.
char32_t byte_to_char(unsigned char b);
// UTF-8 of byte_to_char(b), precomputed.
const std::string& byte_to_utf8(unsigned char b);
// The byte code point c stands for; nullopt for a code point outside the mapping (decoding).
std::optional<unsigned char> char_to_byte(char32_t c);

// The GPT-2 pre-tokenisation regex used by ByteLevel when use_regex is true.
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace rerank::text
