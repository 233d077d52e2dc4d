#include "eval/datasets/dataset.hpp"

#include <system_error>

namespace rerank::eval {

std::string CorpusDocument::contents() const {
  if (title.empty()) return text;
  if (text.empty()) return title;
  return title + " " + text;
}

std::string fingerprint_files(const std::vector<std::filesystem::path>& files) {
  std::string out;
  for (const auto& f : files) {
    if (!out.empty()) out += ';';
    std::error_code ec;
    const auto size = std::filesystem::file_size(f, ec);
    if (ec) {
      out += f.string() + ":missing";
      continue;
    }
    const auto mtime = std::filesystem::last_write_time(f, ec);
    out += std::filesystem::absolute(f).lexically_normal().string() + ":" + std::to_string(size) + ":" +
           std::to_string(ec ? 0 : mtime.time_since_epoch().count());
  }
  return out;
}

std::vector<Topic> judged_topics(const Dataset& dataset) {
  std::vector<Topic> out;
  for (const Topic& t : dataset.topics) {
    if (dataset.qrels.count(t.id)) out.push_back(t);
  }
  return out;
}

}  // namespace rerank::eval
