#include "eval/datasets/dataset_loader.hpp"

#include "eval/datasets/beir.hpp"
#include "eval/datasets/cacm.hpp"
#include "eval/datasets/qrels_reader.hpp"
#include "eval/datasets/smart.hpp"
#include "eval/datasets/trec.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

namespace {

bool ends_with(const std::string& s, std::initializer_list<const char*> suffixes) {
  for (const char* x : suffixes) {
    if (s.ends_with(x)) return true;
  }
  return false;
}

void require_file(const std::filesystem::path& path, const char* what) {
  if (!std::filesystem::is_regular_file(path)) {
    throw Error(ErrorCode::NotFound, std::string(what) + " file not found: " + path.string());
  }
}

}  // namespace

Dataset open_dataset(const std::filesystem::path& dir, const std::string& split) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error(ErrorCode::NotFound, "dataset folder not found: " + dir.string());
  }
  if (is_beir_dir(dir)) return open_beir_dataset(dir, split);
  if (is_cacm_dir(dir)) return open_cacm_dataset(dir);
  if (is_trec_dir(dir)) return open_trec_dataset(dir);
  if (is_smart_dir(dir)) return open_smart_dataset(dir);
  throw Error(ErrorCode::NotFound,
              dir.string() + ": not a dataset folder rerank knows (BEIR corpus.jsonl[.gz] + queries + qrels/, "
                             "Anserini CACM, SMART *.ALL/*.QRY/*.REL, TREC *.trec + topics + qrels); "
                             "give the files with --corpus, --queries and --qrels instead");
}

void read_corpus_file(const std::filesystem::path& corpus, const DocumentSink& sink) {
  require_file(corpus, "corpus");
  const std::string name = corpus.filename().string();
  if (ends_with(name, {".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson"})) {
    read_beir_corpus(corpus, sink);
  } else if (ends_with(name, {".tar.gz", ".tgz", ".tar"})) {
    read_html_tar_corpus(corpus, sink);
  } else {
    read_trec_corpus(corpus, sink);
  }
}

Dataset open_dataset_files(const std::filesystem::path& corpus, const std::filesystem::path& queries,
                           const std::filesystem::path& qrels) {
  require_file(corpus, "corpus");
  require_file(queries, "queries");
  require_file(qrels, "qrels");
  Dataset ds;
  ds.name = corpus.stem().string();
  ds.format = "files";
  ds.read_corpus = [corpus](const DocumentSink& sink) { read_corpus_file(corpus, sink); };
  ds.corpus_fingerprint = fingerprint_files({corpus});
  const std::string qname = queries.filename().string();
  ds.topics = ends_with(qname, {".jsonl", ".jsonl.gz", ".json"}) ? read_beir_queries(queries) : read_trec_topics(queries);
  ds.qrels = read_qrels_file(qrels);
  return ds;
}

}  // namespace rerank::eval
