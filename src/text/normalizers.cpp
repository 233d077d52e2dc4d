// The normalizers of tokenizer.json, each as the reference applies it.
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "text/components.hpp"
#include "text/onig_regex.hpp"
#include "text/precompiled.hpp"

namespace rerank::text {
namespace {

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool chinese, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), chinese_(chinese), strip_accents_(strip_accents), lowercase_(lowercase) {}

  void normalize(NormalizedString& s) const override {
    if (clean_text_) clean(s);
    if (chinese_) pad_chinese(s);
    if (strip_accents_) {
      s.nfd();
      s.filter([](char32_t c) { return !uni::is_mark_nonspacing(c); });
    }
    if (lowercase_) s.lowercase();
  }

 private:
  static bool is_bert_whitespace(char32_t c) { return c == '\t' || c == '\n' || c == '\r' || uni::is_whitespace(c); }
  static bool is_bert_control(char32_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    return uni::is_other(c);
  }

  static void clean(NormalizedString& s) {
    s.filter([](char32_t c) { return !(c == 0 || c == 0xFFFD || is_bert_control(c)); });
    // Whitespace becomes ' ': a one-for-one map, alignments unchanged.
    const std::string& t = s.get();
    bool needs = false;
    std::size_t len = 0;
    for (std::size_t i = 0; i < t.size() && !needs; i += len) {
      const char32_t c = uni::decode(t, i, len);
      needs = c != ' ' && is_bert_whitespace(c);
    }
    if (!needs) return;
    NormalizedString::Rebuilder rb(s);
    for (std::size_t i = 0; i < t.size(); i += len) {
      const char32_t c = uni::decode(t, i, len);
      rb.push(is_bert_whitespace(c) ? U' ' : c, 0);
    }
    rb.finish();
  }

  static void pad_chinese(NormalizedString& s) {
    const std::string& t = s.get();
    bool any = false;
    std::size_t len = 0;
    for (std::size_t i = 0; i < t.size() && !any; i += len) {
      if (static_cast<unsigned char>(t[i]) < 0xE3) {
        len = uni::utf8_len(static_cast<unsigned char>(t[i]));
        continue;
      }
      any = uni::is_bert_chinese(uni::decode(t, i, len));
    }
    if (!any) return;
    NormalizedString::Rebuilder rb(s);
    for (std::size_t i = 0; i < t.size(); i += len) {
      const char32_t c = uni::decode(t, i, len);
      if (uni::is_bert_chinese(c)) {
        rb.push(U' ', 0);
        rb.push(c, 1);
        rb.push(U' ', 1);
      } else {
        rb.push(c, 0);
      }
    }
    rb.finish();
  }

  bool clean_text_, chinese_, strip_accents_, lowercase_;
};

enum class UnicodeForm { NFC, NFD, NFKC, NFKD };

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) : form_(form) {}
  void normalize(NormalizedString& s) const override {
    switch (form_) {
      case UnicodeForm::NFC: s.nfc(); break;
      case UnicodeForm::NFD: s.nfd(); break;
      case UnicodeForm::NFKC: s.nfkc(); break;
      case UnicodeForm::NFKD: s.nfkd(); break;
    }
  }

 private:
  UnicodeForm form_;
};

class LowercaseNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { s.lowercase(); }
};

class StripAccentsNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override {
    s.filter([](char32_t c) { return !uni::is_mark_nonspacing(c); });
  }
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& s) const override { s.strip(left_, right_); }

 private:
  bool left_, right_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(const std::string& pattern, std::string content) : regex_(pattern), content_(std::move(content)) {}
  void normalize(NormalizedString& s) const override {
    std::vector<MatchSpan> matches;
    regex_.find_matches(s.get(), matches);
    s.replace(matches, content_);
  }

 private:
  OnigRegex regex_;
  std::string content_;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prepend) : prepend_(std::move(prepend)) {}
  void normalize(NormalizedString& s) const override { s.prepend(prepend_); }

 private:
  std::string prepend_;
};

class ByteLevelNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  void normalize(NormalizedString& s) const override {
    for (const auto& p : parts_) p->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

std::string pattern_of(const nlohmann::json& p) {
  if (p.contains("Regex")) return p.at("Regex").get<std::string>();
  if (p.contains("String")) return OnigRegex::escape(p.at("String").get<std::string>());
  throw Error(ErrorCode::ModelFormat, "tokenizer pattern must have a String or Regex field");
}

bool bool_or(const nlohmann::json& j, const char* key, bool def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  return it->get<bool>();
}

}  // namespace

void apply_byte_level(NormalizedString& s);

void ByteLevelNormalizer::normalize(NormalizedString& s) const { apply_byte_level(s); }

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = j.at("type").get<std::string>();
  if (type == "BertNormalizer") {
    const bool lowercase = bool_or(j, "lowercase", true);
    return std::make_unique<BertNormalizer>(bool_or(j, "clean_text", true), bool_or(j, "handle_chinese_chars", true),
                                            bool_or(j, "strip_accents", lowercase), lowercase);
  }
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(UnicodeForm::NFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(UnicodeForm::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(UnicodeForm::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(UnicodeForm::NFKD);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Strip")
    return std::make_unique<StripNormalizer>(bool_or(j, "strip_left", true), bool_or(j, "strip_right", true));
  if (type == "Replace")
    return std::make_unique<ReplaceNormalizer>(pattern_of(j.at("pattern")), j.at("content").get<std::string>());
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(j.at("prepend").get<std::string>());
  if (type == "ByteLevel") return std::make_unique<ByteLevelNormalizer>();
  if (type == "Precompiled") {
    const auto& cm = j.at("precompiled_charsmap");
    if (cm.is_null()) return nullptr;
    return std::make_unique<PrecompiledNormalizer>(base64_decode(cm.get<std::string>()));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (const auto& n : j.at("normalizers"))
      if (auto p = make_normalizer(n)) parts.push_back(std::move(p));
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  throw Error(ErrorCode::NotSupported, "tokenizer normalizer type '" + type + "' is not supported");
}

}  // namespace rerank::text
