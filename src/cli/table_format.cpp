#include "cli/table_format.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace rerank::cli {

std::string ellipsize(std::string_view text, std::size_t max_chars) {
  // Byte offset where each code point starts (lead bytes only).
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  std::string_view kept = text;
  bool cut = false;
  if (starts.size() > max_chars) {
    const std::size_t keep = max_chars > 3 ? max_chars - 3 : 0;
    kept = text.substr(0, keep < starts.size() ? starts[keep] : text.size());
    cut = true;
  }
  std::string out(kept);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return cut ? out + "..." : out;
}

void print_ranked_table(std::ostream& out, const RankedResults& results, std::string_view query,
                        std::string_view model) {
  out << fmt::format("query: {}\nmodel: {}   documents: {}\n\n", ellipsize(query, 100), model, results.size());
  std::size_t id_width = 2;
  for (const Result& r : results) id_width = std::max(id_width, std::min<std::size_t>(r.document.id.size(), 16));
  out << fmt::format("{:>4}  {:>10}  {:<{}}  {}\n", "rank", "score", "id", id_width, "text");
  out << fmt::format("{:->4}  {:->10}  {:-<{}}  {:-<40}\n", "", "", "", id_width, "");
  for (const Result& r : results) {
    const std::string score = std::isfinite(r.score) ? fmt::format("{:.4f}", r.score) : std::string("nan");
    out << fmt::format("{:>4}  {:>10}  {:<{}}  {}\n", r.rank, score, ellipsize(r.document.id, 16), id_width,
                       ellipsize(r.document.text, 72));
  }
}

}  // namespace rerank::cli
