#include "io/document_reader.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"
#include "core/utf8.hpp"
#include "rerank/error.hpp"

namespace rerank::io {

DocsFormat parse_docs_format(const std::string& name) {
  if (name == "jsonl") return DocsFormat::Jsonl;
  if (name == "tsv") return DocsFormat::Tsv;
  if (name == "lines") return DocsFormat::Lines;
  throw Error(ErrorCode::InvalidArgument, "unknown documents format '" + name + "' (use jsonl, tsv or lines)");
}

DocsFormat docs_format_for_path(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".jsonl" || ext == ".json" || ext == ".ndjson") return DocsFormat::Jsonl;
  if (ext == ".tsv") return DocsFormat::Tsv;
  return DocsFormat::Lines;
}

namespace {

[[noreturn]] void fail(const std::string& source, std::size_t line, const std::string& what) {
  throw Error(ErrorCode::InvalidInput, source + ":" + std::to_string(line) + ": " + what);
}

bool is_blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

Document parse_jsonl_line(const std::string& line, const std::string& source, std::size_t line_no) {
  const nlohmann::json j = parse_json(line, source + ":" + std::to_string(line_no));
  if (!j.is_object()) fail(source, line_no, "expected a JSON object {\"id\":..,\"text\":..}");
  Document doc;
  if (!j.contains("text") || !j["text"].is_string()) fail(source, line_no, "missing string field \"text\"");
  doc.text = j["text"].get<std::string>();
  if (j.contains("id") && !j["id"].is_null()) {
    const auto& id = j["id"];
    if (id.is_string()) doc.id = id.get<std::string>();
    else if (id.is_number_integer() || id.is_number_unsigned()) doc.id = id.dump();
    else fail(source, line_no, "\"id\" must be a string or an integer");
  } else {
    doc.id = std::to_string(line_no);
  }
  if (j.contains("metadata") && !j["metadata"].is_null()) {
    if (!j["metadata"].is_object()) fail(source, line_no, "\"metadata\" must be a JSON object");
    doc.metadata = j["metadata"];
  }
  return doc;
}

}  // namespace

std::vector<Document> read_documents(std::istream& in, DocsFormat format, const std::string& source) {
  std::vector<Document> docs;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (auto bad = find_invalid_utf8(line)) {
      fail(source, line_no, "invalid UTF-8 at byte " + std::to_string(*bad + 1) + " of the line");
    }
    if (is_blank(line)) continue;
    switch (format) {
      case DocsFormat::Jsonl:
        docs.push_back(parse_jsonl_line(line, source, line_no));
        break;
      case DocsFormat::Tsv: {
        const auto tab = line.find('\t');
        if (tab == std::string::npos) fail(source, line_no, "expected id<TAB>text (no tab found)");
        if (tab == 0) fail(source, line_no, "empty document id before the tab");
        docs.push_back(Document{line.substr(0, tab), line.substr(tab + 1), nlohmann::json::object()});
        break;
      }
      case DocsFormat::Lines:
        docs.push_back(Document{std::to_string(line_no), line, nlohmann::json::object()});
        break;
    }
  }
  if (in.bad()) throw Error(ErrorCode::InvalidInput, source + ": read error");
  return docs;
}

std::vector<Document> read_documents_file(const std::filesystem::path& path) {
  return read_documents_file(path, docs_format_for_path(path));
}

std::vector<Document> read_documents_file(const std::filesystem::path& path, DocsFormat format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, "cannot open documents file '" + path.string() + "'");
  return read_documents(in, format, path.string());
}

}  // namespace rerank::io
