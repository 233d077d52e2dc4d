// Okapi BM25 over the candidate documents of each request: the offline default ranker.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rankers/registry.hpp"
#include "text/analyzer.hpp"

namespace rerank {

struct Bm25Params {
  double k1 = 0.9;  // Anserini's defaults
  double b = 0.4;
  text::AnalyzerOptions analyzer;
};

// Collection statistics: from the candidates of a request, or from a whole corpus.
struct Bm25Stats {
  double num_docs = 0;
  double avg_doc_length = 0;
  std::unordered_map<std::string, double> doc_freq;
};

class Bm25Ranker final : public Ranker {
 public:
  // `corpus_stats`: IDF and average length from a corpus; nullopt uses the candidates.
  Bm25Ranker(RankerInfo info, Bm25Params params, std::optional<Bm25Stats> corpus_stats);

  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view query, std::span<const Document> documents,
                         const ScoreOptions& options = {}) const override;

  // Lucene's IDF: log(1 + (N - df + 0.5) / (df + 0.5)), never negative.
  static double idf(double num_docs, double doc_freq);

 private:
  RankerInfo info_;
  Bm25Params params_;
  text::Analyzer analyzer_;
  std::optional<Bm25Stats> corpus_stats_;
};

// Registry factory. params: k1, b, stemmer (english|porter|none), stopwords (none|lucene),
// corpus (a JSONL/TSV/lines file whose statistics replace the candidates').
std::unique_ptr<Ranker> make_bm25_ranker(const ModelSource& source, const LoadOptions& options);

}  // namespace rerank
