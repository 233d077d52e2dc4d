#include "text/post_processors.hpp"

#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "text/json_fields.hpp"
#include "text/byte_level.hpp"
#include "text/unicode.hpp"

namespace rerank::text {
namespace {

constexpr std::uint32_t kSpecialSequence = ~0U;

Encoding special_encoding(const std::vector<std::int32_t>& ids, const std::vector<std::string>& tokens,
                          std::int32_t type_id) {
  Encoding e;
  e.ids = ids;
  e.tokens = tokens;
  e.type_ids.assign(ids.size(), type_id);
  e.offsets.assign(ids.size(), {0, 0});
  e.special_tokens_mask.assign(ids.size(), 1);
  e.sequence_ids.assign(ids.size(), kSpecialSequence);
  return e;
}

// ByteLevel offset trimming: leading/trailing spaces (the byte-level space 'Ġ' or Unicode
// whitespace) are left out of a token's offsets.
void trim_offsets(Encoding& e, bool add_prefix_space) {
  const char32_t space = byte_to_char(' ');
  for (std::size_t i = 0; i < e.size(); ++i) {
    const std::string& tok = e.tokens[i];
    auto& off = e.offsets[i];
    std::vector<char32_t> chars;
    std::size_t len = 0;
    for (std::size_t p = 0; p < tok.size(); p += len) chars.push_back(uni::decode(tok, p, len));
    auto is_space = [&](char32_t c) { return c == space || uni::is_whitespace(c); };
    std::size_t leading = 0, trailing = 0;
    while (leading < chars.size() && is_space(chars[leading])) ++leading;
    while (trailing < chars.size() && is_space(chars[chars.size() - 1 - trailing])) ++trailing;
    if (leading == 0 && trailing == 0) continue;
    if (leading > 0) {
      const bool is_first = i == 0 || off.first == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      off.first = std::min(off.first + leading, off.second);
    }
    if (trailing > 0 && off.second >= trailing) off.second = std::max(off.second - trailing, off.first);
  }
}

class TemplateProcessor : public PostProcessor {
 public:
  struct Piece {
    bool special;
    std::string id;  // "A"/"B" or the special token name
    std::int32_t type_id;
  };
  struct Special {
    std::vector<std::int32_t> ids;
    std::vector<std::string> tokens;
  };

  explicit TemplateProcessor(const nlohmann::json& j) {
    for (const auto& [name, v] : j.at("special_tokens").items())
      specials_[name] = Special{token_ids(v.at("ids"), "post_processor.special_tokens ids"),
                                v.at("tokens").get<std::vector<std::string>>()};
    single_ = parse(j.at("single"));
    pair_ = parse(j.at("pair"));
  }

  void process(std::vector<Encoding>& encodings, bool add_special_tokens) const override {
    const auto& tmpl = encodings.size() == 2 ? pair_ : single_;
    std::vector<Encoding> out;
    out.reserve(tmpl.size());
    for (const Piece& p : tmpl) {
      if (!p.special) {
        const std::size_t i = p.id == "A" ? 0 : 1;
        if (i >= encodings.size()) continue;
        Encoding e = encodings[i];
        e.type_ids.assign(e.size(), p.type_id);
        e.sequence_ids.assign(e.size(), static_cast<std::uint32_t>(i));
        out.push_back(std::move(e));
      } else if (add_special_tokens) {
        const Special& s = specials_.at(p.id);
        out.push_back(special_encoding(s.ids, s.tokens, p.type_id));
      }
    }
    encodings.swap(out);
  }

  std::size_t added_tokens(bool pair) const override {
    std::size_t n = 0;
    for (const Piece& p : pair ? pair_ : single_)
      if (p.special) n += specials_.at(p.id).ids.size();
    return n;
  }

 private:
  static std::int32_t type_id(const nlohmann::json& piece) {
    return static_cast<std::int32_t>(
        integer_field(piece, "type_id", 0, 0, std::numeric_limits<std::int32_t>::max(), "post_processor"));
  }

  std::vector<Piece> parse(const nlohmann::json& list) const {
    std::vector<Piece> out;
    for (const auto& item : list) {
      if (item.contains("SpecialToken")) {
        const auto& s = item.at("SpecialToken");
        Piece p{true, s.at("id").get<std::string>(), type_id(s)};
        if (!specials_.count(p.id))
          throw Error(ErrorCode::ModelFormat, "TemplateProcessing uses undefined special token '" + p.id + "'");
        out.push_back(std::move(p));
      } else {
        const auto& s = item.at("Sequence");
        out.push_back(Piece{false, s.at("id").get<std::string>(), type_id(s)});
      }
    }
    return out;
  }

  std::map<std::string, Special> specials_;
  std::vector<Piece> single_, pair_;
};

std::pair<std::string, std::int32_t> token_pair(const nlohmann::json& j) {
  return {j.at(0).get<std::string>(), token_id(j.at(1), "post_processor token id")};
}

// BertProcessing ([CLS] A [SEP] B [SEP], type ids 0/1) and RobertaProcessing
// (<s> A </s></s> B </s>, type ids all 0, optional offset trimming).
class ClsSepProcessor : public PostProcessor {
 public:
  ClsSepProcessor(const nlohmann::json& j, bool roberta) : roberta_(roberta) {
    cls_ = token_pair(j.at("cls"));
    sep_ = token_pair(j.at("sep"));
    if (roberta) {
      trim_offsets_ = j.value("trim_offsets", true);
      add_prefix_space_ = j.value("add_prefix_space", true);
    }
  }

  void process(std::vector<Encoding>& encodings, bool add_special_tokens) const override {
    if (roberta_) {
      for (auto& e : encodings) {
        if (trim_offsets_) trim_offsets(e, add_prefix_space_);
        e.type_ids.assign(e.size(), 0);
      }
    }
    if (!add_special_tokens) return;
    std::vector<Encoding> out;
    for (std::size_t i = 0; i < encodings.size(); ++i) {
      if (i == 0) out.push_back(special_encoding({cls_.second}, {cls_.first}, 0));
      else if (roberta_) out.push_back(special_encoding({sep_.second}, {sep_.first}, 0));
      out.push_back(encodings[i]);
      out.push_back(special_encoding({sep_.second}, {sep_.first}, (i == 0 || roberta_) ? 0 : 1));
    }
    encodings.swap(out);
  }

  std::size_t added_tokens(bool pair) const override { return pair ? (roberta_ ? 4 : 3) : 2; }

 private:
  bool roberta_;
  std::pair<std::string, std::int32_t> cls_, sep_;
  bool trim_offsets_ = true, add_prefix_space_ = true;
};

class ByteLevelProcessor : public PostProcessor {
 public:
  explicit ByteLevelProcessor(const nlohmann::json& j)
      : trim_offsets_(j.value("trim_offsets", true)), add_prefix_space_(j.value("add_prefix_space", true)) {}
  void process(std::vector<Encoding>& encodings, bool) const override {
    if (trim_offsets_)
      for (auto& e : encodings) trim_offsets(e, add_prefix_space_);
  }
  std::size_t added_tokens(bool) const override { return 0; }

 private:
  bool trim_offsets_, add_prefix_space_;
};

class SequenceProcessor : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
  void process(std::vector<Encoding>& encodings, bool add_special_tokens) const override {
    for (const auto& p : parts_) p->process(encodings, add_special_tokens);
  }
  std::size_t added_tokens(bool pair) const override {
    std::size_t n = 0;
    for (const auto& p : parts_) n += p->added_tokens(pair);
    return n;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = j.at("type").get<std::string>();
  if (type == "TemplateProcessing") return std::make_unique<TemplateProcessor>(j);
  if (type == "BertProcessing") return std::make_unique<ClsSepProcessor>(j, false);
  if (type == "RobertaProcessing") return std::make_unique<ClsSepProcessor>(j, true);
  if (type == "ByteLevel") return std::make_unique<ByteLevelProcessor>(j);
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> parts;
    for (const auto& p : j.at("processors"))
      if (auto x = make_post_processor(p)) parts.push_back(std::move(x));
    return std::make_unique<SequenceProcessor>(std::move(parts));
  }
  throw Error(ErrorCode::NotSupported, "tokenizer post_processor type '" + type + "' is not supported");
}

}  // namespace rerank::text
