// Filling a reranker's prompt template: every {name} of the template whose name is a field
// is replaced by the field's value, in one left-to-right pass, so text inserted from a query
// or document (which may itself contain "{query}") is never substituted again. Braces that
// do not name a field stay as they are.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/tokenizer.hpp"

namespace rerank {

using TemplateField = std::pair<std::string_view, std::string_view>;  // name (without braces), value

std::string fill_template(std::string_view tmpl, const std::vector<TemplateField>& fields);

// Whether `tmpl` contains {name}.
bool template_has(std::string_view tmpl, std::string_view name);

// A document cut to its first `max_tokens` tokens of `tokenizer` (a request's own budget,
// Cohere's max_tokens_per_doc) before it goes into a prompt: its text up to the end of that
// token (kept in `storage` when cut); the document itself when it fits or no budget is set.
std::string_view document_within_tokens(const text::Tokenizer& tokenizer, std::string_view document,
                                        std::optional<std::size_t> max_tokens, std::string& storage);

}  // namespace rerank
