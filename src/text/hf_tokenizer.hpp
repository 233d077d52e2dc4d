// The tokenizer.json pipeline: added tokens -> normalizer -> pre-tokenizer -> model ->
// truncation -> post-processor, as the reference's TokenizerImpl.
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "text/tokenizer.hpp"

namespace rerank::text {

// `config` is tokenizer_config.json (may be null).
std::unique_ptr<Tokenizer> make_hf_tokenizer(const nlohmann::json& tokenizer, const nlohmann::json* config);

// A SentencePiece .model file through libsentencepiece.
std::unique_ptr<Tokenizer> make_spm_tokenizer(const std::filesystem::path& model, const nlohmann::json* config);

// model_max_length / pad token name from tokenizer_config.json.
std::optional<std::size_t> config_model_max_length(const nlohmann::json* config);
std::optional<std::string> config_pad_token(const nlohmann::json* config);

// Shared by both tokenizers: type/sequence ids, truncation, then `process` (may be null:
// plain concatenation).
class PostProcessor;
Encoding combine_encodings(Encoding first, std::optional<Encoding> second, bool add_special_tokens,
                           const std::optional<TruncationOptions>& truncation, const PostProcessor* processor);

// Replaces invalid UTF-8 (each offending byte by U+FFFD) and returns, for each byte of the
// result plus its end, the byte of `text` it came from; empty when `text` is valid.
std::string sanitize_utf8(std::string_view text, std::vector<std::size_t>& origin);
// Maps byte offsets of sanitised text back to the input through `origin`.
void map_offsets_back(Encoding& e, const std::vector<std::size_t>& origin);

}  // namespace rerank::text
