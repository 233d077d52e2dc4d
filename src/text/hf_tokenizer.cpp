#include "text/hf_tokenizer.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "text/json_fields.hpp"
#include "text/added_vocabulary.hpp"
#include "text/decoders.hpp"
#include "text/components.hpp"
#include "text/models.hpp"
#include "text/post_processors.hpp"
#include "text/truncation.hpp"

namespace rerank::text {
namespace {

class HfTokenizer : public Tokenizer {
 public:
  HfTokenizer(const nlohmann::json& j, const nlohmann::json* config) {
    normalizer_ = make_normalizer(j.value("normalizer", nlohmann::json()));
    pre_tokenizer_ = make_pre_tokenizer(j.value("pre_tokenizer", nlohmann::json()));
    const auto& m = j.at("model");
    std::string type = m.value("type", std::string());
    if (type.empty()) {  // untagged older files: guess from the fields, as the reference does
      if (m.contains("merges")) type = "BPE";
      else if (m.contains("continuing_subword_prefix") || m.contains("max_input_chars_per_word")) type = "WordPiece";
      else if (m.contains("vocab") && m.at("vocab").is_array()) type = "Unigram";
      else type = "WordLevel";
    }
    if (type == "WordPiece") model_ = make_wordpiece_model(m);
    else if (type == "Unigram") model_ = make_unigram_model(m);
    else if (type == "BPE") model_ = make_bpe_model(m);
    else if (type == "WordLevel") model_ = make_wordlevel_model(m);
    else throw Error(ErrorCode::NotSupported, "tokenizer model type '" + type + "' is not supported");
    post_processor_ = make_post_processor(j.value("post_processor", nlohmann::json()));

    std::vector<AddedToken> added;
    if (auto it = j.find("added_tokens"); it != j.end() && it->is_array()) {
      for (const auto& a : *it) {
        AddedToken t;
        t.content = a.at("content").get<std::string>();
        t.id = token_id(a.at("id"), "added_tokens id");
        t.special = a.value("special", false);
        t.lstrip = a.value("lstrip", false);
        t.rstrip = a.value("rstrip", false);
        t.single_word = a.value("single_word", false);
        t.normalized = a.value("normalized", !t.special);
        added.push_back(std::move(t));
      }
    }
    for (const AddedToken& t : added) added_by_id_[t.id] = {t.content, t.special};
    added_ = std::make_unique<AddedVocabulary>(std::move(added), normalizer_.get());
    // A decoder this library cannot run fails decode(), not loading: encoding does not need it.
    try {
      decoder_ = make_decoder(j.value("decoder", nlohmann::json()));
    } catch (const Error& e) {
      if (e.code() != ErrorCode::NotSupported) throw;
      decoder_error_ = e.what();
    }
    model_max_length_ = config_model_max_length(config);
    if (auto pad = config_pad_token(config)) pad_id_ = token_to_id(*pad);
    if (!pad_id_) {
      if (auto it = j.find("padding"); it != j.end() && it->is_object() && it->contains("pad_id"))
        pad_id_ = token_id(it->at("pad_id"), "padding.pad_id");
    }
  }

  Encoding encode_raw(std::string_view text) const override { return encode_any(text, std::nullopt, {}); }

  Encoding encode_raw_capped(std::string_view text, std::size_t max_tokens,
                             TruncationDirection direction) const override {
    return encode_any(text, max_tokens, direction);
  }

  Encoding combine(Encoding first, std::optional<Encoding> second, bool add_special_tokens,
                   const std::optional<TruncationOptions>& truncation) const override {
    return combine_encodings(std::move(first), std::move(second), add_special_tokens, truncation,
                             post_processor_.get());
  }

  std::size_t num_special_tokens(bool pair) const override {
    return post_processor_ ? post_processor_->added_tokens(pair) : 0;
  }
  std::optional<std::size_t> model_max_length() const override { return model_max_length_; }
  std::optional<std::int32_t> token_to_id(std::string_view token) const override {
    if (auto id = added_->token_to_id(token)) return id;
    return model_->token_to_id(token);
  }
  std::optional<std::int32_t> pad_token_id() const override { return pad_id_; }
  std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const override {
    if (!decoder_error_.empty()) throw Error(ErrorCode::NotSupported, decoder_error_);
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const std::int32_t id : ids) {
      if (const auto added = added_by_id_.find(id); added != added_by_id_.end()) {
        if (!(skip_special_tokens && added->second.special)) tokens.push_back(added->second.content);
      } else if (auto token = model_->id_to_token(id)) {
        tokens.push_back(std::move(*token));
      }
    }
    return decode_tokens(decoder_.get(), std::move(tokens));
  }
  std::size_t vocab_size() const override {
    std::size_t n = model_->vocab_size();
    for (const auto& t : added_->tokens())
      if (!model_->token_to_id(t.content)) ++n;
    return n;
  }

 private:
  Encoding encode_any(std::string_view text, std::optional<std::size_t> limit, TruncationDirection direction) const {
    std::vector<std::size_t> origin;
    const std::string clean = sanitize_utf8(text, origin);
    if (!origin.empty()) {
      Encoding e = encode_valid(clean, limit, direction);
      map_offsets_back(e, origin);
      return e;
    }
    return encode_valid(text, limit, direction);
  }

  // With a limit, the model runs only over the splits the reference's early exit
  // (tokenize_with_limit) walks: from the `direction` end until `limit` tokens are held after
  // a split the model tokenised. The rest of a long text is normalised and pre-tokenised (as
  // the reference does) but never tokenised.
  Encoding encode_valid(std::string_view text, std::optional<std::size_t> limit, TruncationDirection direction) const {
    std::vector<Split> splits = added_->extract_and_normalize(normalizer_.get(), text);
    if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(splits);
    std::size_t begin = 0;
    std::vector<std::uint8_t> tokenised_from_end;  // left limit: splits the backward walk ran
    if (limit && direction == TruncationDirection::Left) {
      tokenised_from_end.assign(splits.size(), 0);
      std::size_t held = 0;
      begin = splits.size();
      while (begin > 0) {
        Split& s = splits[--begin];
        if (!s.has_tokens) {
          model_->tokenize(s.normalized.get(), s.tokens);
          tokenised_from_end[begin] = 1;
        }
        held += s.tokens.size();
        if (tokenised_from_end[begin] && held >= *limit) break;
      }
    }
    const bool right_limit = limit && direction == TruncationDirection::Right;
    Encoding e;
    const std::size_t expect = right_limit ? std::min(*limit + 16, text.size() / 3 + 4) : text.size() / 3 + 4;
    e.ids.reserve(expect);
    e.tokens.reserve(expect);
    e.offsets.reserve(expect);
    thread_local std::vector<Token> buffer;
    e.split_ends.reserve(splits.size() - begin);
    for (std::size_t i = begin; i < splits.size(); ++i) {
      Split& s = splits[i];
      std::vector<Token>* tokens = &s.tokens;
      if (!s.has_tokens && (tokenised_from_end.empty() || !tokenised_from_end[i])) {
        buffer.clear();
        model_->tokenize(s.normalized.get(), buffer);
        tokens = &buffer;
      }
      for (Token& t : *tokens) {
        e.ids.push_back(t.id);
        // Offsets through the alignments; a range outside the piece stays as it is, as the
        // reference's convert_offsets fallback.
        if (t.end <= s.normalized.size())
          e.offsets.push_back(s.normalized.original_range(t.start, t.end));
        else
          e.offsets.emplace_back(t.start, t.end);
        e.tokens.push_back(std::move(t.value));
      }
      e.split_ends.push_back({static_cast<std::uint32_t>(e.ids.size()), s.has_tokens});
      if (right_limit && !s.has_tokens && e.ids.size() >= *limit) break;
    }
    e.type_ids.assign(e.ids.size(), 0);
    e.special_tokens_mask.assign(e.ids.size(), 0);
    e.sequence_ids.assign(e.ids.size(), 0);
    return e;
  }

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<AddedVocabulary> added_;
  struct AddedEntry {
    std::string content;
    bool special = false;
  };
  std::unordered_map<std::int32_t, AddedEntry> added_by_id_;
  std::unique_ptr<Decoder> decoder_;
  std::string decoder_error_;
  std::optional<std::size_t> model_max_length_;
  std::optional<std::int32_t> pad_id_;
};

}  // namespace

std::unique_ptr<Tokenizer> make_hf_tokenizer(const nlohmann::json& tokenizer, const nlohmann::json* config) {
  try {
    return std::make_unique<HfTokenizer>(tokenizer, config);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::ModelFormat, std::string("tokenizer.json is malformed: ") + e.what());
  }
}

std::optional<std::size_t> config_model_max_length(const nlohmann::json* config) {
  if (!config || !config->is_object()) return std::nullopt;
  auto it = config->find("model_max_length");
  if (it == config->end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  // transformers writes int(1e30) for "no limit".
  if (!(v > 0) || v > 1e12) return std::nullopt;
  return static_cast<std::size_t>(v);
}

std::optional<std::string> config_pad_token(const nlohmann::json* config) {
  if (!config || !config->is_object()) return std::nullopt;
  auto it = config->find("pad_token");
  if (it == config->end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content")) return it->at("content").get<std::string>();
  return std::nullopt;
}

Encoding combine_encodings(Encoding first, std::optional<Encoding> second, bool add_special_tokens,
                           const std::optional<TruncationOptions>& truncation, const PostProcessor* processor) {
  // As the reference's encode: the first sequence has type id 0, the second 1.
  first.type_ids.assign(first.size(), 0);
  first.sequence_ids.assign(first.size(), 0);
  first.special_tokens_mask.assign(first.size(), 0);
  if (second) {
    second->type_ids.assign(second->size(), 1);
    second->sequence_ids.assign(second->size(), 1);
    second->special_tokens_mask.assign(second->size(), 0);
  }
  if (truncation) {
    const std::size_t single = processor ? processor->added_tokens(false) : 0;
    const std::size_t added = (add_special_tokens && processor) ? processor->added_tokens(second.has_value()) : 0;
    truncate_for_encode(first, second, *truncation, single, added);
  }
  // Split ends describe raw encodings only.
  first.split_ends.clear();
  if (second) second->split_ends.clear();
  std::vector<Encoding> parts;
  parts.push_back(std::move(first));
  if (second) parts.push_back(std::move(*second));
  if (processor) processor->process(parts, add_special_tokens);
  if (parts.size() == 1) return std::move(parts[0]);
  Encoding out;
  for (const auto& p : parts) append_encoding(out, p);
  return out;
}

}  // namespace rerank::text
