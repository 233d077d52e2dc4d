// The pre-tokenizers of tokenizer.json, each as the reference applies it.
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "text/byte_level.hpp"
#include "text/components.hpp"
#include "text/onig_regex.hpp"

namespace rerank::text {

// ByteLevel's byte -> printable character transform: the first byte of a character replaces
// it, the others are insertions aligned with it.
void apply_byte_level(NormalizedString& s) {
  const std::string& t = s.get();
  NormalizedString::Rebuilder rb(s);
  std::size_t len = 0;
  for (std::size_t i = 0; i < t.size(); i += len) {
    len = uni::utf8_len(static_cast<unsigned char>(t[i]));
    for (std::size_t k = 0; k < len && i + k < t.size(); ++k)
      rb.push(byte_to_char(static_cast<unsigned char>(t[i + k])), k > 0 ? 1 : 0);
  }
  rb.finish();
}

namespace {

thread_local std::vector<MatchSpan> tl_matches;

template <class Pred>
void split_by_char(std::vector<Split>& splits, Pred pred, SplitBehavior behavior) {
  split_each(splits, [&](const NormalizedString& ns, std::vector<NormalizedString>& out) {
    find_char_matches(ns.get(), pred, tl_matches);
    ns.split(tl_matches, behavior, out);
  });
}

bool is_any_punctuation(char32_t c) { return uni::is_ascii_punctuation(c) || (c >= 0x80 && uni::is_punctuation(c)); }

class BertPreTokenizer : public PreTokenizer {
 public:
  // Whitespace removed, then punctuation isolated: done as one partition, which gives the
  // same slices as the reference's two splits.
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [](const NormalizedString& ns, std::vector<NormalizedString>& out) {
      const std::string& s = ns.get();
      std::size_t start = 0, len = 0;
      for (std::size_t i = 0; i < s.size(); i += len) {
        const char32_t c = uni::decode(s, i, len);
        const bool space = uni::is_whitespace(c);
        if (!space && !is_any_punctuation(c)) continue;
        if (start < i) out.push_back(ns.slice(start, i));
        if (!space) out.push_back(ns.slice(i, i + len));
        start = i + len;
      }
      if (start < s.size()) out.push_back(ns.slice(start, s.size()));
    });
  }
};

class WhitespaceSplitPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_by_char(splits, uni::is_whitespace, SplitBehavior::Removed);
  }
};

// `\w+|[^\w\s]+` with everything else removed.
class WhitespacePreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [](const NormalizedString& ns, std::vector<NormalizedString>& out) {
      const std::string& s = ns.get();
      auto cls = [](char32_t c) { return uni::is_word_char(c) ? 1 : uni::is_whitespace(c) ? 0 : 2; };
      std::size_t i = 0, len = 0;
      while (i < s.size()) {
        const int k = cls(uni::decode(s, i, len));
        std::size_t j = i + len;
        while (j < s.size()) {
          std::size_t l2 = 0;
          if (cls(uni::decode(s, j, l2)) != k) break;
          j += l2;
        }
        if (k != 0) out.push_back(ns.slice(i, j));
        i = j;
      }
    });
  }
};

class PunctuationPreTokenizer : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior b) : behavior_(b) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_by_char(splits, is_any_punctuation, behavior_);
  }

 private:
  SplitBehavior behavior_;
};

class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual) : individual_(individual) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_by_char(splits, uni::is_numeric, individual_ ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  }

 private:
  bool individual_;
};

class CharDelimiterPreTokenizer : public PreTokenizer {
 public:
  explicit CharDelimiterPreTokenizer(char32_t d) : delimiter_(d) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    const char32_t d = delimiter_;
    split_by_char(splits, [d](char32_t c) { return c == d; }, SplitBehavior::Removed);
  }

 private:
  char32_t delimiter_;
};

enum class PrependScheme { Always, First, Never };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {
    uni::append_utf8(rep_, replacement);
  }
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [this](const NormalizedString& in, std::vector<NormalizedString>& out) {
      NormalizedString ns = in;
      ns.replace_char(U' ', rep_);
      const bool starts = ns.get().compare(0, rep_.size(), rep_) == 0;
      if (!starts && (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && ns.orig_start() == 0)))
        ns.prepend(rep_);
      if (split_) {
        const char32_t r = replacement_;
        find_char_matches(ns.get(), [r](char32_t c) { return c == r; }, tl_matches);
        ns.split(tl_matches, SplitBehavior::MergedWithNext, out);
      } else {
        out.push_back(std::move(ns));
      }
    });
  }

 private:
  char32_t replacement_;
  std::string rep_;
  PrependScheme scheme_;
  bool split_;
};

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), regex_(use_regex ? std::make_unique<OnigRegex>(kGpt2Pattern) : nullptr) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [this](const NormalizedString& in, std::vector<NormalizedString>& out) {
      const bool prepend = add_prefix_space_ && in.get().compare(0, 1, " ") != 0;
      if (!prepend && !regex_) {
        out.push_back(in);
        return;
      }
      NormalizedString ns = in;
      if (prepend) ns.prepend(" ");
      if (regex_) {
        regex_->find_matches(ns.get(), tl_matches);
        ns.split(tl_matches, SplitBehavior::Isolated, out);
      } else {
        out.push_back(std::move(ns));
      }
    });
    for (auto& s : splits)
      if (!s.has_tokens) apply_byte_level(s.normalized);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<OnigRegex> regex_;
};

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(const std::string& pattern, SplitBehavior behavior, bool invert)
      : regex_(pattern), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [this](const NormalizedString& ns, std::vector<NormalizedString>& out) {
      regex_.find_matches(ns.get(), tl_matches);
      if (invert_)
        for (auto& m : tl_matches) m.is_match = !m.is_match;
      ns.split(tl_matches, behavior_, out);
    });
  }

 private:
  OnigRegex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    for (const auto& p : parts_) p->pre_tokenize(splits);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

SplitBehavior parse_behavior(const nlohmann::json& j, SplitBehavior def) {
  auto it = j.find("behavior");
  if (it == j.end() || it->is_null()) return def;
  const std::string b = it->get<std::string>();
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  throw Error(ErrorCode::ModelFormat, "unknown split behavior '" + b + "' in tokenizer.json");
}

bool flag(const nlohmann::json& j, const char* key, bool def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  return it->get<bool>();
}

char32_t single_char(const std::string& s, const char* what) {
  std::size_t len = 0;
  if (s.empty()) throw Error(ErrorCode::ModelFormat, std::string("tokenizer.json: empty ") + what);
  return uni::decode(s, 0, len);
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = j.at("type").get<std::string>();
  if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (type == "Whitespace") return std::make_unique<WhitespacePreTokenizer>();
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplitPreTokenizer>();
  if (type == "Punctuation") return std::make_unique<PunctuationPreTokenizer>(parse_behavior(j, SplitBehavior::Isolated));
  if (type == "Digits") return std::make_unique<DigitsPreTokenizer>(flag(j, "individual_digits", false));
  if (type == "CharDelimiterSplit")
    return std::make_unique<CharDelimiterPreTokenizer>(single_char(j.at("delimiter").get<std::string>(), "delimiter"));
  if (type == "Metaspace") {
    const std::string rep = j.contains("replacement") ? j.at("replacement").get<std::string>() : "\u2581";
    PrependScheme scheme = flag(j, "add_prefix_space", true) ? PrependScheme::Always : PrependScheme::Never;
    if (auto it = j.find("prepend_scheme"); it != j.end() && !it->is_null()) {
      const std::string s = it->get<std::string>();
      scheme = s == "first" ? PrependScheme::First : s == "never" ? PrependScheme::Never : PrependScheme::Always;
    }
    return std::make_unique<MetaspacePreTokenizer>(single_char(rep, "Metaspace replacement"), scheme,
                                                   flag(j, "split", true));
  }
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelPreTokenizer>(flag(j, "add_prefix_space", true), flag(j, "use_regex", true));
  if (type == "Split") {
    const auto& p = j.at("pattern");
    std::string pattern;
    if (p.contains("Regex"))
      pattern = p.at("Regex").get<std::string>();
    else
      pattern = OnigRegex::escape(p.at("String").get<std::string>());
    return std::make_unique<SplitPreTokenizer>(pattern, parse_behavior(j, SplitBehavior::Isolated),
                                               flag(j, "invert", false));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (const auto& p : j.at("pretokenizers"))
      if (auto x = make_pre_tokenizer(p)) parts.push_back(std::move(x));
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
  }
  throw Error(ErrorCode::NotSupported, "tokenizer pre_tokenizer type '" + type + "' is not supported");
}

}  // namespace rerank::text
