// Filling a reranker's prompt template: every {name} of the template whose name is a field
// is replaced by the field's value, in one left-to-right pass, so text inserted from a query
// or document (which may itself contain "{query}") is never substituted again. Braces that
// do not name a field stay as they are.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rerank {

using TemplateField = std::pair<std::string_view, std::string_view>;  // name (without braces), value

std::string fill_template(std::string_view tmpl, const std::vector<TemplateField>& fields);

// Whether `tmpl` contains {name}.
bool template_has(std::string_view tmpl, std::string_view name);

}  // namespace rerank
