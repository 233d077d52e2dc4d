#include "eval/datasets/qrels_reader.hpp"

#include <charconv>
#include <cmath>
#include <sstream>
#include <vector>

#include "eval/datasets/compressed_file.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

namespace {

std::vector<std::string> split_whitespace(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string field;
  while (in >> field) out.push_back(field);
  return out;
}

// Integer grades; a decimal grade ("1.0") is accepted and truncated as trec_eval's atol does.
bool parse_grade(const std::string& s, int& grade) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, grade);
  if (ec == std::errc() && p == end) return true;
  double d = 0;
  auto [q, ec2] = std::from_chars(s.data(), end, d);
  if (ec2 != std::errc() || q != end || !std::isfinite(d)) return false;
  grade = static_cast<int>(d);
  return true;
}

}  // namespace

Judgments read_qrels_file(const std::filesystem::path& path,
                          const std::function<std::string(const std::string&)>& map_docid) {
  CompressedFile file(path);
  Judgments qrels;
  std::string line;
  std::size_t number = 0;
  while (file.next_line(line)) {
    ++number;
    const std::vector<std::string> f = split_whitespace(line);
    if (f.empty()) continue;
    if (f.size() != 3 && f.size() != 4) {
      throw Error(ErrorCode::InvalidInput, path.string() + ":" + std::to_string(number) +
                                               ": expected 'qid iter docid rel' or 'query-id corpus-id score', got " +
                                               std::to_string(f.size()) + " fields");
    }
    const std::string& qid = f[0];
    const std::string& docid = f.size() == 4 ? f[2] : f[1];
    int grade = 0;
    if (!parse_grade(f.back(), grade)) {
      if (number == 1) continue;  // a header line ("query-id corpus-id score")
      throw Error(ErrorCode::InvalidInput, path.string() + ":" + std::to_string(number) +
                                               ": relevance '" + f.back() + "' is not a number");
    }
    qrels[qid][map_docid ? map_docid(docid) : docid] = grade;
  }
  return qrels;
}

}  // namespace rerank::eval
