#include "text/decoders.hpp"

#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "text/byte_level.hpp"
#include "text/unicode.hpp"

namespace rerank::text {

namespace {

using Tokens = std::vector<std::string>;

// Replaces every occurrence of `from` in `s` by `to` (Rust's str::replace).
std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  if (from.empty()) return std::string(s);
  std::string out;
  std::size_t at = 0;
  for (std::size_t hit; (hit = s.find(from, at)) != std::string_view::npos; at = hit + from.size()) {
    out.append(s.substr(at, hit - at));
    out.append(to);
  }
  out.append(s.substr(at));
  return out;
}

// The code points of valid UTF-8 `s` (token strings of a loaded vocabulary are valid).
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = 1;
    out.push_back(uni::decode(s, i, len));
    i += len;
  }
  return out;
}

// String::from_utf8_lossy: each maximal invalid sequence becomes U+FFFD.
std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size();) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    // Lead bytes: C0, C1 and F5..FF never start a valid sequence.
    const std::size_t need = b < 0x80 ? 1 : (b >= 0xC2 && b <= 0xDF) ? 2 : (b >= 0xE0 && b <= 0xEF) ? 3
                             : (b >= 0xF0 && b <= 0xF4) ? 4 : 0;
    std::size_t ok = 0;
    if (need > 0 && i + need <= bytes.size()) {
      ok = 1;
      for (std::size_t k = 1; k < need; ++k)
        if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80) ok = 0;
      if (ok) {
        std::size_t len = 0;
        const char32_t c = uni::decode(bytes.substr(i, need), 0, len);
        // Overlong forms, surrogates and values past U+10FFFF are invalid too.
        const bool overlong = (need == 2 && c < 0x80) || (need == 3 && c < 0x800) || (need == 4 && c < 0x10000);
        if (overlong || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) ok = 0;
      }
    }
    if (ok) {
      out.append(bytes.substr(i, need));
      i += need;
      continue;
    }
    // Rust skips the longest prefix of a valid sequence as one error: the lead byte and the
    // continuation bytes it could still take.
    std::size_t skip = 1;
    if (need > 1) {
      while (skip < need && i + skip < bytes.size() &&
             (static_cast<unsigned char>(bytes[i + skip]) & 0xC0) == 0x80) {
        // The second byte's range is narrower for E0/ED/F0/F4 leads; a byte outside it ends the error.
        if (skip == 1) {
          const auto c1 = static_cast<unsigned char>(bytes[i + 1]);
          if ((b == 0xE0 && c1 < 0xA0) || (b == 0xED && c1 > 0x9F) || (b == 0xF0 && c1 < 0x90) ||
              (b == 0xF4 && c1 > 0x8F))
            break;
        }
        ++skip;
      }
    }
    out += "\xEF\xBF\xBD";
    i += skip;
  }
  return out;
}

class ByteLevelDecoder final : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens) const override {
    std::string bytes;
    for (const std::string& t : tokens) {
      std::string mapped;
      bool all = true;
      for (char32_t c : code_points(t)) {
        const auto b = char_to_byte(c);
        if (!b) {
          all = false;
          break;
        }
        mapped.push_back(static_cast<char>(*b));
      }
      bytes += all ? mapped : t;  // a token outside the byte alphabet (an added token) as it is
    }
    return {utf8_lossy(bytes)};
  }
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first) : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  Tokens decode_chain(Tokens tokens) const override {
    // The reference drops every replacement character of the first token (not only a leading
    // one) unless the prepend scheme is "never".
    for (std::size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = replace_all(tokens[i], replacement_, i == 0 && strip_first_ ? "" : " ");
    return tokens;
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  Tokens decode_chain(Tokens tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i != 0) {
        if (t.rfind(prefix_, 0) == 0) t.erase(0, prefix_.size());
        else t.insert(0, " ");
      }
      if (cleanup_) t = cleanup(t);
    }
    return tokens;
  }

 private:
  // The reference's cleanup of tokenization spaces (wordpiece.rs `cleanup`).
  static std::string cleanup(std::string s) {
    static const std::pair<const char*, const char*> rules[] = {
        {" .", "."},      {" ?", "?"},    {" !", "!"},    {" ,", ","},    {" ' ", "'"},   {" n't", "n't"},
        {" 'm", "'m"},    {" do not", " don't"},          {" 's", "'s"},  {" 've", "'ve"}, {" 're", "'re"}};
    for (const auto& [from, to] : rules) s = replace_all(s, from, to);
    return s;
  }
  std::string prefix_;
  bool cleanup_;
};

class BpeSuffixDecoder final : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  Tokens decode_chain(Tokens tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
    return tokens;
  }

 private:
  std::string suffix_;
};

// "<0x41>" tokens are bytes; runs of them become their UTF-8 text, or one U+FFFD per byte
// when the run is not valid UTF-8 (byte_fallback.rs).
class ByteFallbackDecoder final : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens) const override {
    Tokens out;
    std::string run;
    std::size_t run_tokens = 0;
    auto flush = [&] {
      if (run_tokens == 0) return;
      if (utf8_lossy(run) == run) {
        out.push_back(run);
      } else {
        for (std::size_t k = 0; k < run_tokens; ++k) out.push_back("\xEF\xBF\xBD");
      }
      run.clear();
      run_tokens = 0;
    };
    for (std::string& t : tokens) {
      if (const auto b = byte_token(t)) {
        run.push_back(static_cast<char>(*b));
        ++run_tokens;
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    return out;
  }

 private:
  static std::optional<unsigned char> byte_token(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return std::nullopt;
    int v = 0;
    for (int k = 3; k < 5; ++k) {
      const char c = t[static_cast<std::size_t>(k)];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    return static_cast<unsigned char>(v);
  }
};

class FuseDecoder final : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    return {all};
  }
};

// Removes up to `start` leading and `stop` trailing occurrences of `content` from each token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, std::size_t start, std::size_t stop) : content_(content), start_(start), stop_(stop) {}
  Tokens decode_chain(Tokens tokens) const override {
    for (std::string& t : tokens) {
      std::vector<char32_t> cps = code_points(t);
      std::size_t b = 0, e = cps.size();
      while (b < start_ && b < e && cps[b] == content_) ++b;
      std::size_t dropped = 0;
      while (dropped < stop_ && e > b && cps[e - 1] == content_) --e, ++dropped;
      std::string out;
      for (std::size_t k = b; k < e; ++k) uni::append_utf8(out, cps[k]);
      t = std::move(out);
    }
    return tokens;
  }

 private:
  char32_t content_;
  std::size_t start_, stop_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(std::string pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  Tokens decode_chain(Tokens tokens) const override {
    for (std::string& t : tokens) t = replace_all(t, pattern_, content_);
    return tokens;
  }

 private:
  std::string pattern_, content_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  Tokens decode_chain(Tokens tokens) const override {
    for (const auto& d : steps_) tokens = d->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

class SpaceJoinDecoder final : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens) const override {
    std::string all;
    for (std::size_t i = 0; i < tokens.size(); ++i) all += (i ? " " : "") + tokens[i];
    return {all};
  }
};

std::string string_field(const nlohmann::json& j, const char* key, const std::string& fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw Error(ErrorCode::ModelFormat, std::string("tokenizer.json decoder field '") + key + "' must be a string");
  return it->get<std::string>();
}

std::size_t count_field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return 0;
  if (!it->is_number_unsigned()) throw Error(ErrorCode::ModelFormat, std::string("tokenizer.json decoder field '") + key + "' must be a count");
  return it->get<std::size_t>();
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j) {
  if (j.is_null()) return std::make_unique<SpaceJoinDecoder>();
  if (!j.is_object()) throw Error(ErrorCode::ModelFormat, "tokenizer.json decoder must be an object");
  const std::string type = string_field(j, "type", "");
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    // Older files say add_prefix_space instead of prepend_scheme.
    std::string scheme = string_field(j, "prepend_scheme", "");
    if (scheme.empty()) scheme = j.value("add_prefix_space", true) ? "always" : "never";
    return std::make_unique<MetaspaceDecoder>(string_field(j, "replacement", "\xE2\x96\x81"), scheme != "never");
  }
  if (type == "WordPiece") {
    const auto cleanup = j.find("cleanup");
    return std::make_unique<WordPieceDecoder>(string_field(j, "prefix", "##"),
                                              cleanup == j.end() || (cleanup->is_boolean() && cleanup->get<bool>()));
  }
  if (type == "BPEDecoder") return std::make_unique<BpeSuffixDecoder>(string_field(j, "suffix", "</w>"));
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    const std::vector<char32_t> content = code_points(string_field(j, "content", " "));
    if (content.size() != 1) throw Error(ErrorCode::ModelFormat, "tokenizer.json Strip decoder content must be one character");
    return std::make_unique<StripDecoder>(content[0], count_field(j, "start"), count_field(j, "stop"));
  }
  if (type == "Replace") {
    const auto pattern = j.find("pattern");
    if (pattern == j.end() || !pattern->is_object() || !pattern->contains("String") || !(*pattern)["String"].is_string()) {
      throw Error(ErrorCode::NotSupported, "tokenizer.json Replace decoder: only a String pattern is supported");
    }
    return std::make_unique<ReplaceDecoder>((*pattern)["String"].get<std::string>(), string_field(j, "content", ""));
  }
  if (type == "Sequence") {
    const auto steps = j.find("decoders");
    if (steps == j.end() || !steps->is_array()) throw Error(ErrorCode::ModelFormat, "tokenizer.json Sequence decoder needs 'decoders'");
    std::vector<std::unique_ptr<Decoder>> out;
    for (const auto& s : *steps) out.push_back(make_decoder(s));
    return std::make_unique<SequenceDecoder>(std::move(out));
  }
  throw Error(ErrorCode::NotSupported, "tokenizer.json decoder type '" + type + "' is not supported for decoding");
}

std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens) {
  std::string out;
  const SpaceJoinDecoder plain;
  for (const std::string& t : (decoder ? *decoder : static_cast<const Decoder&>(plain)).decode_chain(std::move(tokens))) out += t;
  return out;
}

}  // namespace rerank::text
