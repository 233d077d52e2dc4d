#include "rankers/scoring_tokens.hpp"

#include "rerank/error.hpp"

namespace rerank {

std::string param_or(const LoadOptions& options, const std::string& key, const std::string& fallback) {
  const auto it = options.params.find(key);
  return it == options.params.end() ? fallback : it->second;
}

std::optional<std::int32_t> scoring_token_id(const text::Tokenizer& tokenizer, const std::string& token) {
  const std::optional<std::int32_t> id = tokenizer.token_to_id(token);
  if (!id || *id < 0) return std::nullopt;
  return id;
}

void missing_scoring_token(const std::string& key, const std::string& token) {
  throw Error(ErrorCode::ModelFormat, "the " + key + " '" + token +
                                          "' is not in this model's vocabulary; name the checkpoint's token with "
                                          "--param " + key + "=TOKEN");
}

}  // namespace rerank
