// The vocabulary ids of a ranker's scoring tokens (an LLM reranker's yes/no, monoT5's
// true/false), from the model's own tokenizer. The model is then loaded with only those rows
// of its head (models::LoadSettings::vocabulary_rows), so a ranker reads its two logits as
// outputs 0 and 1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rerank/ranker.hpp"
#include "text/tokenizer.hpp"

namespace rerank {

// options.params[key], else `fallback`.
std::string param_or(const LoadOptions& options, const std::string& key, const std::string& fallback);

// The id of `token`, or nullopt when the tokenizer does not know it.
std::optional<std::int32_t> scoring_token_id(const text::Tokenizer& tokenizer, const std::string& token);

// Error(ModelFormat): "the KEY 'TOKEN' is not in this model's vocabulary; name ... --param KEY=TOKEN".
[[noreturn]] void missing_scoring_token(const std::string& key, const std::string& token);

}  // namespace rerank
