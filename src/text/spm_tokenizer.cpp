// SentencePiece .model files through libsentencepiece (models without tokenizer.json).
// encode_raw gives SentencePiece's own pieces and byte offsets; no special tokens are added.
#include <sentencepiece_processor.h>

#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "text/hf_tokenizer.hpp"

namespace rerank::text {
namespace {

class SpmTokenizer : public Tokenizer {
 public:
  SpmTokenizer(const std::filesystem::path& path, const nlohmann::json* config) {
    const auto status = sp_.Load(path.string());
    if (!status.ok())
      throw Error(ErrorCode::ModelFormat, "cannot load SentencePiece model " + path.string() + ": " + status.ToString());
    model_max_length_ = config_model_max_length(config);
    if (auto pad = config_pad_token(config)) pad_id_ = token_to_id(*pad);
    if (!pad_id_ && sp_.pad_id() >= 0) pad_id_ = sp_.pad_id();
  }

  Encoding encode_raw(std::string_view text) const override {
    std::vector<std::size_t> origin;
    const std::string clean = sanitize_utf8(text, origin);
    const std::string_view input = origin.empty() ? text : std::string_view(clean);
    sentencepiece::ImmutableSentencePieceText spt;
    const auto status = sp_.Encode(input, spt.mutable_proto());
    if (!status.ok()) throw Error(ErrorCode::InvalidInput, "SentencePiece cannot encode the text: " + status.ToString());
    Encoding e;
    const std::size_t n = spt.pieces_size();
    for (std::size_t i = 0; i < n; ++i) {
      const auto p = spt.pieces(static_cast<int>(i));
      e.ids.push_back(static_cast<std::int32_t>(p.id()));
      e.tokens.push_back(p.piece());
      e.offsets.emplace_back(p.begin(), p.end());
    }
    e.type_ids.assign(e.ids.size(), 0);
    e.special_tokens_mask.assign(e.ids.size(), 0);
    e.sequence_ids.assign(e.ids.size(), 0);
    if (!origin.empty()) map_offsets_back(e, origin);
    return e;
  }

  Encoding combine(Encoding first, std::optional<Encoding> second, bool add_special_tokens,
                   const std::optional<TruncationOptions>& truncation) const override {
    return combine_encodings(std::move(first), std::move(second), add_special_tokens, truncation, nullptr);
  }
  std::size_t num_special_tokens(bool) const override { return 0; }
  std::optional<std::size_t> model_max_length() const override { return model_max_length_; }
  std::optional<std::int32_t> token_to_id(std::string_view token) const override {
    const int id = sp_.PieceToId(token);
    if (id == sp_.unk_id() && sp_.IdToPiece(id) != token) return std::nullopt;
    return id;
  }
  std::optional<std::int32_t> pad_token_id() const override { return pad_id_; }
  // SentencePiece's own decoding (its control tokens are never text, whatever skip says).
  std::string decode(std::span<const std::int32_t> ids, bool) const override {
    std::vector<int> known;
    for (const std::int32_t id : ids)
      if (id >= 0 && id < sp_.GetPieceSize()) known.push_back(id);
    std::string text;
    const auto status = sp_.Decode(known, &text);
    if (!status.ok()) throw Error(ErrorCode::InvalidInput, "SentencePiece cannot decode the ids: " + status.ToString());
    return text;
  }
  std::size_t vocab_size() const override { return static_cast<std::size_t>(sp_.GetPieceSize()); }

 private:
  sentencepiece::SentencePieceProcessor sp_;
  std::optional<std::size_t> model_max_length_;
  std::optional<std::int32_t> pad_id_;
};

}  // namespace

std::unique_ptr<Tokenizer> make_spm_tokenizer(const std::filesystem::path& model, const nlohmann::json* config) {
  return std::make_unique<SpmTokenizer>(model, config);
}

}  // namespace rerank::text
