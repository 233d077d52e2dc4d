// Reading candidate documents for the CLI and eval: JSONL, TSV or plain lines.
#pragma once

#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "rerank/document.hpp"

namespace rerank::io {

enum class DocsFormat { Jsonl, Tsv, Lines };

// "jsonl" | "tsv" | "lines"; throws Error(InvalidArgument) otherwise.
DocsFormat parse_docs_format(const std::string& name);

// From the file extension: .jsonl/.json/.ndjson -> JSONL, .tsv -> TSV, anything else -> lines.
DocsFormat docs_format_for_path(const std::filesystem::path& path);

// Reads every document. Formats:
//   JSONL  {"id": string|number, "text": string, "metadata": object}  (id defaults to the
//          line number; blank lines are skipped)
//   TSV    id<TAB>text
//   lines  one document per non-blank line, id = line number
// Lines may end in CRLF; a leading UTF-8 BOM is ignored. Throws Error(InvalidInput) naming
// `source` and the 1-based line for malformed lines and invalid UTF-8.
std::vector<Document> read_documents(std::istream& in, DocsFormat format, const std::string& source);

// Opens `path` (format from its extension unless given); Error(NotFound) when missing.
std::vector<Document> read_documents_file(const std::filesystem::path& path);
std::vector<Document> read_documents_file(const std::filesystem::path& path, DocsFormat format);

}  // namespace rerank::io
