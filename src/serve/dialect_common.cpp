// Reading documents and the fields all dialects share.
#include "rerank/error.hpp"
#include "serve/dialects.hpp"
#include "serve/json_fields.hpp"

namespace rerank::serve {

std::vector<std::string> read_rank_fields(const nlohmann::json& body) {
  std::vector<std::string> fields;
  const nlohmann::json* v = find_field(body, "rank_fields");
  if (!v) return fields;
  if (!v->is_array()) throw Error(ErrorCode::InvalidArgument, "'rank_fields' must be an array of strings");
  for (const auto& f : *v) {
    if (!f.is_string()) throw Error(ErrorCode::InvalidArgument, "'rank_fields' must be an array of strings");
    fields.push_back(f.get<std::string>());
  }
  return fields;
}

namespace {

std::string scalar_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string object_text(const nlohmann::json& item, const std::vector<std::string>& rank_fields,
                        const char* field, std::size_t index) {
  if (!rank_fields.empty()) {
    std::string text;
    for (const std::string& name : rank_fields) {
      const auto it = item.find(name);
      if (it == item.end() || it->is_null()) continue;
      if (!text.empty()) text += '\n';
      text += name + ": " + scalar_text(*it);
    }
    return text;
  }
  const auto text = item.find("text");
  if (text != item.end() && !text->is_null()) {
    if (!text->is_string()) {
      throw Error(ErrorCode::InvalidArgument, std::string("'") + field + "[" + std::to_string(index) +
                                                  "].text' must be a string");
    }
    return text->get<std::string>();
  }
  return item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void read_documents(const nlohmann::json& items, const std::vector<std::string>& rank_fields,
                    const char* field, RerankCall& call) {
  call.documents.reserve(items.size());
  call.originals.reserve(items.size());
  std::size_t index = 0;
  for (const auto& item : items) {
    Document doc;
    doc.id = std::to_string(index);
    if (item.is_string()) {
      doc.text = item.get<std::string>();
    } else if (item.is_object()) {
      doc.text = object_text(item, rank_fields, field, index);
    } else {
      throw Error(ErrorCode::InvalidArgument, std::string("'") + field + "[" + std::to_string(index) +
                                                  "]' must be a string or an object with \"text\"");
    }
    call.documents.push_back(std::move(doc));
    call.originals.push_back(item);
    ++index;
  }
}

void read_common_fields(const nlohmann::json& body, RerankCall& call) {
  call.raw_scores = optional_bool(body, "raw_scores").value_or(false);
  // Instruction-following rerankers' task (Qwen3-Reranker's <Instruct>); others ignore it.
  call.options.instruction = optional_string(body, "instruction");
}

std::size_t search_units(std::size_t documents) { return documents == 0 ? 1 : (documents + 99) / 100; }

}  // namespace rerank::serve
