#include "eval/datasets/cacm.hpp"

#include <algorithm>
#include <cctype>

#include "eval/datasets/html_text.hpp"
#include "eval/datasets/qrels_reader.hpp"
#include "eval/datasets/tar_reader.hpp"
#include "eval/datasets/trec.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

std::string normalize_cacm_docid(const std::string& id) {
  const std::size_t dash = id.rfind('-');
  if (dash == std::string::npos || dash + 1 >= id.size()) return id;
  const std::string digits = id.substr(dash + 1);
  if (digits.size() >= 4 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return id;
  }
  return id.substr(0, dash + 1) + std::string(4 - digits.size(), '0') + digits;
}

void read_html_tar_corpus(const std::filesystem::path& archive, const DocumentSink& sink) {
  for_each_tar_file(archive, [&](TarEntry& entry) {
    const std::string base = tar_base_name(entry.name);
    if (base.starts_with("._") || !(base.ends_with(".html") || base.ends_with(".htm"))) return true;
    CorpusDocument doc;
    doc.id = base.substr(0, base.rfind('.'));
    doc.text = html_to_text(entry.content);
    sink(std::move(doc));
    return true;
  });
}

bool is_cacm_dir(const std::filesystem::path& dir) {
  return std::filesystem::is_regular_file(dir / "cacm.tar.gz") && std::filesystem::is_regular_file(dir / "topics.cacm.txt") &&
         std::filesystem::is_regular_file(dir / "qrels.cacm.txt");
}

Dataset open_cacm_dataset(const std::filesystem::path& dir) {
  Dataset ds;
  ds.name = "cacm";
  ds.format = "cacm";
  const std::filesystem::path archive = dir / "cacm.tar.gz";
  ds.read_corpus = [archive](const DocumentSink& sink) { read_html_tar_corpus(archive, sink); };
  ds.corpus_fingerprint = fingerprint_files({archive});
  ds.topics = read_trec_topics(dir / "topics.cacm.txt");
  std::size_t padded = 0;
  ds.qrels = read_qrels_file(dir / "qrels.cacm.txt", [&padded](const std::string& id) {
    std::string n = normalize_cacm_docid(id);
    if (n != id) ++padded;
    return n;
  });
  ds.notes.push_back("qrels.cacm.txt: " + std::to_string(padded) +
                     " judged docids zero-padded to the corpus form (CACM-46 -> CACM-0046)");
  return ds;
}

}  // namespace rerank::eval
