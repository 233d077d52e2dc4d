#include "eval/trec_eval/trec_files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <istream>
#include <ostream>
#include <string_view>

#include <fmt/format.h>

#include "eval/trec_eval/judged_ranking.hpp"
#include "rerank/error.hpp"

namespace rerank::eval::trec_eval {

namespace {

// C isspace in the "C" locale; trec_eval splits fields with it, so '\r' and '\v' separate too.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

[[noreturn]] void malformed(const std::string& source, std::size_t line_no, const std::string& what) {
  throw Error(ErrorCode::InvalidInput, fmt::format("{}:{}: {}", source, line_no, what));
}

// atol-like: optional sign then at least one digit; trailing characters (".0") are ignored.
bool parse_relevance(std::string_view text, int* value) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
  long long v = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    v = v * 10 + (text[i] - '0');
    if (v > 1000000000LL) return false;  // far outside any relevance scale
  }
  *value = static_cast<int>(negative ? -v : v);
  return true;
}

// atof-like: the longest numeric prefix must be non-empty.
bool parse_score(std::string_view text, double* value) {
  const std::string s(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return false;
  *value = v;
  return true;
}

// True for lines trec_eval ignores: empty, blank, or a '#' comment.
bool is_skippable(std::string_view line) {
  for (char c : line) {
    if (is_space(c)) continue;
    return c == '#';
  }
  return true;
}

std::ifstream open_or_throw(const std::filesystem::path& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::NotFound, fmt::format("cannot open {} file '{}'", what, path.string()));
  }
  return in;
}

}  // namespace

Qrels parse_qrels(std::istream& in, const std::string& source_name) {
  Qrels qrels;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (is_skippable(line)) continue;
    const auto fields = split_fields(line);
    if (fields.size() != 4) {
      malformed(source_name, line_no,
                fmt::format("expected 4 fields 'qid iter docno rel' in qrels line, found {}", fields.size()));
    }
    int rel = 0;
    if (!parse_relevance(fields[3], &rel)) {
      malformed(source_name, line_no, fmt::format("relevance '{}' is not an integer", fields[3]));
    }
    auto& docs = qrels[std::string(fields[0])];
    const auto [it, inserted] = docs.emplace(std::string(fields[2]), rel);
    if (!inserted) {
      malformed(source_name, line_no,
                fmt::format("document '{}' is judged twice for query '{}'", fields[2], fields[0]));
    }
  }
  return qrels;
}

Qrels read_qrels(const std::filesystem::path& path) {
  auto in = open_or_throw(path, "qrels");
  return parse_qrels(in, path.string());
}

Run parse_run(std::istream& in, const std::string& source_name, std::string* run_id) {
  Run run;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (is_skippable(line)) continue;
    const auto fields = split_fields(line);
    if (fields.size() < 6) {
      malformed(source_name, line_no,
                fmt::format("expected 6 fields 'qid iter docno rank score runid' in run line, found {}",
                            fields.size()));
    }
    double score = 0.0;
    if (!parse_score(fields[4], &score)) {
      malformed(source_name, line_no, fmt::format("score '{}' is not a number", fields[4]));
    }
    run[std::string(fields[0])].push_back(RunEntry{std::string(fields[2]), score});
    if (run_id) *run_id = std::string(fields[5]);
  }
  return run;
}

Run read_run(const std::filesystem::path& path, std::string* run_id) {
  auto in = open_or_throw(path, "run");
  return parse_run(in, path.string(), run_id);
}

void write_run(std::ostream& out, const Run& run, const std::string& run_id) {
  const std::string id = run_id.empty() ? std::string("rerank") : run_id;
  // A field with whitespace would shift every column after it when the file is read back.
  auto check_field = [](const std::string& value, const char* what) {
    if (value.empty() || std::any_of(value.begin(), value.end(), is_space)) {
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("cannot write {} '{}' to a TREC run file: it is empty or contains whitespace",
                              what, value));
    }
  };
  check_field(id, "run id");
  for (const auto& [qid, entries] : run) {
    check_field(qid, "query id");
    std::vector<RunEntry> ranked = entries;
    std::sort(ranked.begin(), ranked.end(), ranks_before);
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      check_field(ranked[i].docid, "document id");
      out << fmt::format("{} Q0 {} {} {} {}\n", qid, ranked[i].docid, i + 1, ranked[i].score, id);
    }
  }
}

void write_run_file(const std::filesystem::path& path, const Run& run, const std::string& run_id) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(ErrorCode::InvalidArgument, fmt::format("cannot write run file '{}'", path.string()));
  write_run(out, run, run_id);
  out.flush();
  if (!out) throw Error(ErrorCode::InvalidInput, fmt::format("failed writing run file '{}'", path.string()));
}

}  // namespace rerank::eval::trec_eval
