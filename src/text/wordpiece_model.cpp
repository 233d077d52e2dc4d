// WordPiece: greedy longest-match-first over the vocabulary, continuation pieces carrying a
// prefix ("##"); a word with no full cover, or longer than max_input_chars_per_word, is unk.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

#include "rerank/error.hpp"
#include "text/json_fields.hpp"
#include "text/models.hpp"
#include "text/string_map.hpp"
#include "text/unicode.hpp"

namespace rerank::text {
namespace {

class WordPieceModel : public Model {
 public:
  explicit WordPieceModel(const nlohmann::json& j) {
    unk_token_ = j.value("unk_token", std::string("[UNK]"));
    prefix_ = j.value("continuing_subword_prefix", std::string("##"));
    max_chars_ = static_cast<std::size_t>(integer_field(j, "max_input_chars_per_word", 100, 0,
                                                        std::numeric_limits<std::int64_t>::max(), "model"));
    for (const auto& [token, id] : j.at("vocab").items()) {
      const std::int32_t v = token_id(id, "model.vocab");
      vocab_.set(token, v);
      max_piece_ = std::max(max_piece_, token.size());
      if (!prefix_.empty() && token.size() >= prefix_.size() && token.compare(0, prefix_.size(), prefix_) == 0)
        continuation_.set(std::string_view(token).substr(prefix_.size()), v);
      if (static_cast<std::size_t>(v) >= id_to_token_.size()) id_to_token_.resize(static_cast<std::size_t>(v) + 1);
      id_to_token_[static_cast<std::size_t>(v)] = token;
    }
    unk_id_ = vocab_.get(unk_token_);
  }

  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    if (uni::count_chars(word) > max_chars_) {
      push_unk(word, out);
      return;
    }
    const std::size_t first = out.size();
    std::size_t start = 0;
    while (start < word.size()) {
      // No vocabulary entry is longer than max_piece_ bytes, so longer candidates are skipped
      // (same result as trying them, without the lookups).
      std::size_t end = std::min(word.size(), start + max_piece_);
      while (end < word.size() && end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
      std::optional<std::int32_t> found;
      while (start < end) {
        const std::string_view sub = word.substr(start, end - start);
        // With an empty prefix a continuation is looked up in the main vocabulary.
        found = (start > 0 && !prefix_.empty()) ? continuation_.get(sub) : vocab_.get(sub);
        if (found) break;
        std::size_t p = end - 1;
        while (p > start && (static_cast<unsigned char>(word[p]) & 0xC0) == 0x80) --p;
        end = p;
      }
      if (!found) {
        out.resize(first);
        push_unk(word, out);
        return;
      }
      std::string value = start > 0 ? prefix_ : std::string();
      value.append(word.substr(start, end - start));
      out.push_back(Token{*found, std::move(value), static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(end)});
      start = end;
    }
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.get(token); }
  std::optional<std::string> id_to_token(std::int32_t id) const override {
    if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size()) return std::nullopt;
    return id_to_token_[static_cast<std::size_t>(id)];
  }
  std::size_t vocab_size() const override { return vocab_.size(); }

 private:
  void push_unk(std::string_view word, std::vector<Token>& out) const {
    if (!unk_id_)
      throw Error(ErrorCode::ModelFormat, "WordPiece unk token '" + unk_token_ + "' is not in the vocabulary");
    out.push_back(Token{*unk_id_, unk_token_, 0, static_cast<std::uint32_t>(word.size())});
  }

  StringIdMap vocab_;
  StringIdMap continuation_;  // continuation pieces keyed without their prefix
  std::vector<std::string> id_to_token_;
  std::string unk_token_;
  std::string prefix_;
  std::size_t max_chars_ = 100;
  std::size_t max_piece_ = 0;
  std::optional<std::int32_t> unk_id_;
};

class WordLevelModel : public Model {
 public:
  explicit WordLevelModel(const nlohmann::json& j) {
    unk_token_ = j.value("unk_token", std::string("<unk>"));
    for (const auto& [token, id] : j.at("vocab").items()) {
      const std::int32_t v = token_id(id, "model.vocab");
      vocab_.set(token, v);
      if (static_cast<std::size_t>(v) >= id_to_token_.size()) id_to_token_.resize(static_cast<std::size_t>(v) + 1);
      id_to_token_[static_cast<std::size_t>(v)] = token;
    }
  }
  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    const auto len = static_cast<std::uint32_t>(word.size());
    if (auto id = vocab_.get(word)) {
      out.push_back(Token{*id, std::string(word), 0, len});
    } else if (auto unk = vocab_.get(unk_token_)) {
      out.push_back(Token{*unk, unk_token_, 0, len});
    } else {
      throw Error(ErrorCode::ModelFormat, "WordLevel unk token '" + unk_token_ + "' is not in the vocabulary");
    }
  }
  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.get(token); }
  std::optional<std::string> id_to_token(std::int32_t id) const override {
    if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size()) return std::nullopt;
    return id_to_token_[static_cast<std::size_t>(id)];
  }
  std::size_t vocab_size() const override { return vocab_.size(); }

 private:
  StringIdMap vocab_;
  std::vector<std::string> id_to_token_;
  std::string unk_token_;
};

}  // namespace

std::unique_ptr<Model> make_wordpiece_model(const nlohmann::json& j) { return std::make_unique<WordPieceModel>(j); }
std::unique_ptr<Model> make_wordlevel_model(const nlohmann::json& j) { return std::make_unique<WordLevelModel>(j); }

}  // namespace rerank::text
