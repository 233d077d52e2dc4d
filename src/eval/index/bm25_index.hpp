// The BM25 first stage: an on-disk Xapian index of a corpus, and top-k search over it.
//
// Terms come from rerank's own analyzer (text/analyzer.hpp: Unicode case folding, letter/
// digit runs, Lucene's English stop set, Snowball "porter" or "english" stemming), the
// same analyzer the bm25 reranker uses, fed to Xapian as plain terms: Xapian stores the
// postings, document lengths and statistics and runs the BM25 scoring (Xapian::BM25Weight).
// Xapian headers stay inside the .cpp files.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eval/datasets/dataset.hpp"

namespace rerank::eval {

struct IndexSettings {
  std::string stemmer = "porter";   // porter | english | none (Anserini: Porter)
  std::string stopwords = "lucene"; // lucene | none (Anserini: Lucene's English stop set)
  double k1 = 0.9;                  // defaults for search; Anserini's values
  double b = 0.4;
};

struct IndexInfo {
  IndexSettings settings;
  std::size_t num_docs = 0;
  double avg_doc_length = 0;
  std::string fingerprint;  // what the index was built from (Dataset::corpus_fingerprint)
};

// Builds (replaces) the index at `dir` from `read_corpus`; memory is bounded by Xapian's
// flush threshold, not by the corpus size. A repeated document id replaces the earlier
// document. `progress(n)` is called every 5,000 documents when given. Throws
// Error(InvalidArgument) when `dir` holds something other than a rerank index,
// Error(InvalidInput) for an empty or over-long document id, Error(Backend) for Xapian failures.
IndexInfo build_index(const std::filesystem::path& dir, const IndexSettings& settings,
                      const std::function<void(const DocumentSink&)>& read_corpus, const std::string& fingerprint,
                      const std::function<void(std::size_t)>& progress = {});

// The settings and statistics stored in the index at `dir`. Throws Error(NotFound) when
// `dir` is not a rerank index.
IndexInfo read_index_info(const std::filesystem::path& dir);

// True when `dir` holds a rerank index built from `fingerprint` with the same analyzer.
bool index_matches(const std::filesystem::path& dir, const IndexSettings& settings, const std::string& fingerprint);

struct SearchHit {
  std::string id;
  std::string title;
  std::string text;
  double score = 0;

  std::string contents() const;  // title + " " + text, as indexed
};

// Searches one index. Not thread-safe (Xapian::Database is not): use one per thread.
class Bm25Searcher {
 public:
  // Throws Error(NotFound) when `dir` is not a rerank index.
  explicit Bm25Searcher(const std::filesystem::path& dir);
  ~Bm25Searcher();
  Bm25Searcher(const Bm25Searcher&) = delete;
  Bm25Searcher& operator=(const Bm25Searcher&) = delete;

  const IndexInfo& info() const;

  // Overrides the k1 / b stored in the index for later searches.
  void set_parameters(double k1, double b);

  // The best `k` documents for `query` (BM25 over the analyzed query terms, OR semantics),
  // by descending score; ties keep index order. Empty when no term matches.
  std::vector<SearchHit> search(const std::string& query, std::size_t k) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rerank::eval
