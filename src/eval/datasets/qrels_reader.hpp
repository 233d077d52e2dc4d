// Relevance judgments in the two common text layouts:
//   TREC   qid iter docid rel      (whitespace separated; iter is ignored)
//   BEIR   query-id corpus-id score (tab separated, usually with a header line)
// A line's column count picks the layout, so one reader serves both.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "eval/datasets/dataset.hpp"

namespace rerank::eval {

// Reads a qrels file (plain or gzip). A first line whose relevance column is not a number
// is taken as a header. `map_docid` (optional) rewrites document ids as they are read.
// Throws Error(InvalidInput) with the file and line for malformed lines.
Judgments read_qrels_file(const std::filesystem::path& path,
                          const std::function<std::string(const std::string&)>& map_docid = {});

}  // namespace rerank::eval
