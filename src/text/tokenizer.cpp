// Tokenizer entry points: loading from a directory / file / string, the encode helpers,
// invalid UTF-8 handling and byte -> code point offsets.
#include "text/tokenizer.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"
#include "rerank/error.hpp"
#include "text/hf_tokenizer.hpp"
#include "text/truncation.hpp"

namespace rerank::text {
namespace {

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, "cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Model files (tokenizer.json and its config) are ModelFormat when they cannot be read as JSON.
nlohmann::json parse_model_json(const std::string& text, const std::string& what) {
  return rerank::parse_json(text, what, {kMaxJsonDepth, ErrorCode::ModelFormat, ""});
}

std::optional<nlohmann::json> read_config(const std::filesystem::path& dir) {
  const auto p = dir / "tokenizer_config.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
  return parse_model_json(read_text_file(p), p.string());
}

// Length of the valid UTF-8 sequence at s[i] (RFC 3629), or 0 when the byte there is invalid.
std::size_t valid_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}

}  // namespace

TruncationStrategy parse_truncation_strategy(std::string_view name) {
  if (name == "longest_first") return TruncationStrategy::LongestFirst;
  if (name == "only_first") return TruncationStrategy::OnlyFirst;
  if (name == "only_second") return TruncationStrategy::OnlySecond;
  throw Error(ErrorCode::InvalidArgument,
              "unknown truncation strategy '" + std::string(name) + "': use longest_first, only_first or only_second");
}

std::unique_ptr<Tokenizer> Tokenizer::from_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw Error(ErrorCode::NotFound, "tokenizer directory " + dir.string() + " does not exist");
  if (std::filesystem::is_regular_file(dir / "tokenizer.json", ec)) return from_file(dir / "tokenizer.json");
  const auto config = read_config(dir);
  for (const char* name : {"spiece.model", "sentencepiece.bpe.model", "tokenizer.model"}) {
    if (std::filesystem::is_regular_file(dir / name, ec))
      return make_spm_tokenizer(dir / name, config ? &*config : nullptr);
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".model") return make_spm_tokenizer(entry.path(), config ? &*config : nullptr);
  }
  throw Error(ErrorCode::NotFound,
              "no tokenizer.json or SentencePiece .model file in " + dir.string());
}

std::unique_ptr<Tokenizer> Tokenizer::from_file(const std::filesystem::path& tokenizer_json) {
  const auto j = parse_model_json(read_text_file(tokenizer_json), tokenizer_json.string());
  const auto config = read_config(tokenizer_json.parent_path().empty() ? "." : tokenizer_json.parent_path());
  return make_hf_tokenizer(j, config ? &*config : nullptr);
}

std::unique_ptr<Tokenizer> Tokenizer::from_json_string(std::string_view tokenizer_json) {
  const auto j = parse_model_json(std::string(tokenizer_json), "tokenizer JSON");
  return make_hf_tokenizer(j, nullptr);
}

Encoding Tokenizer::encode_raw_capped(std::string_view text, std::size_t max_tokens,
                                     TruncationDirection direction) const {
  Encoding e = encode_raw(text);
  cap_at_split(e, max_tokens, direction);
  return e;
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens,
                           const std::optional<TruncationOptions>& truncation) const {
  return combine(encode_raw(text), std::nullopt, add_special_tokens, truncation);
}

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second, bool add_special_tokens,
                                const std::optional<TruncationOptions>& truncation) const {
  return combine(encode_raw(first), encode_raw(second), add_special_tokens, truncation);
}

std::string sanitize_utf8(std::string_view text, std::vector<std::size_t>& origin) {
  origin.clear();
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = valid_sequence(text, i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) return {};
  std::string out(text.substr(0, i));
  origin.reserve(text.size() + 16);
  for (std::size_t k = 0; k < i; ++k) origin.push_back(k);
  while (i < text.size()) {
    const std::size_t n = valid_sequence(text, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      origin.insert(origin.end(), 3, i);
      ++i;
    } else {
      out.append(text.substr(i, n));
      for (std::size_t k = 0; k < n; ++k) origin.push_back(i + k);
      i += n;
    }
  }
  origin.push_back(text.size());
  return out;
}

void map_offsets_back(Encoding& e, const std::vector<std::size_t>& origin) {
  const std::size_t last = origin.size() - 1;  // origin[last] is the input's length
  for (auto& [s, t] : e.offsets) {
    const std::size_t start = origin[std::min(s, last)];
    std::size_t end = origin[std::min(t, last)];
    // An end inside a replacement character maps past its byte.
    if (t > 0 && t < last && origin[t] == origin[t - 1]) end = origin[t] + 1;
    s = start;
    t = std::max(start, end);
  }
}

std::vector<std::pair<std::size_t, std::size_t>> to_char_offsets(
    std::string_view text, const std::vector<std::pair<std::size_t, std::size_t>>& byte_offsets) {
  // Index of the character holding each byte; invalid bytes count as one character each.
  std::vector<std::size_t> char_of(text.size());
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = valid_sequence(text, i);
    if (n == 0) n = 1;
    for (std::size_t k = 0; k < n; ++k) char_of[i + k] = chars;
    ++chars;
    i += n;
  }
  std::vector<std::pair<std::size_t, std::size_t>> out;
  out.reserve(byte_offsets.size());
  for (const auto& [s, e] : byte_offsets) {
    if (s < text.size() && e < text.size()) {
      out.emplace_back(char_of[s], char_of[e]);
    } else if (s < text.size()) {
      // As the reference: an end past the map takes the character before it, plus one.
      const std::size_t end = (e >= 1 && e - 1 < text.size()) ? char_of[e - 1] + 1 : char_of[s] + 1;
      out.emplace_back(char_of[s], end);
    } else {
      out.emplace_back(s, e);
    }
  }
  return out;
}

}  // namespace rerank::text
