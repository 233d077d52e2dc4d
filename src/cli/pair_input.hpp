// JSONL {"query","document"} pairs (or "text" for the document), read in chunks: the input
// of `rerank score` and `rerank prepare`.
#pragma once

#include <cstddef>
#include <fstream>
#include <istream>
#include <string>
#include <vector>

namespace rerank::cli {

struct QueryDocumentPair {
  std::string query;
  std::string document;
};

class PairInput {
 public:
  // `path` "-" is standard input. CliError(kExitInput) when the file cannot be opened.
  explicit PairInput(const std::string& path);

  // The next up to `limit` pairs (blank lines skipped) into `out`; false at end of input.
  // CliError(kExitInput) naming the line for a line that is not such a pair.
  bool read(std::vector<QueryDocumentPair>& out, std::size_t limit);

 private:
  std::ifstream file_;
  std::istream* in_;
  std::size_t line_no_ = 0;
};

}  // namespace rerank::cli
