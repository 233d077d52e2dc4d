#include "rankers/prompt_template.hpp"

namespace rerank {

std::string fill_template(std::string_view tmpl, const std::vector<TemplateField>& fields) {
  std::string out;
  out.reserve(tmpl.size());
  for (std::size_t i = 0; i < tmpl.size();) {
    bool replaced = false;
    if (tmpl[i] == '{') {
      for (const auto& [name, value] : fields) {
        if (tmpl.size() - i >= name.size() + 2 && tmpl.compare(i + 1, name.size(), name) == 0 &&
            tmpl[i + 1 + name.size()] == '}') {
          out.append(value);
          i += name.size() + 2;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(tmpl[i++]);
  }
  return out;
}

std::string_view document_within_tokens(const text::Tokenizer& tokenizer, std::string_view document,
                                        std::optional<std::size_t> max_tokens, std::string& storage) {
  if (!max_tokens) return document;
  if (*max_tokens == 0) return {};
  const text::Encoding doc = tokenizer.encode_raw(document);
  if (doc.size() <= *max_tokens || doc.offsets.size() < *max_tokens) return document;
  storage = std::string(document.substr(0, doc.offsets[*max_tokens - 1].second));
  return storage;
}

bool template_has(std::string_view tmpl, std::string_view name) {
  return tmpl.find("{" + std::string(name) + "}") != std::string_view::npos;
}

}  // namespace rerank
