// The lexical analyzer behind BM25 (ranker and first-stage index): Unicode case folding,
// splitting into letter/digit runs, optional stopwords, Snowball stemming.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rerank::text {

struct AnalyzerOptions {
  // Snowball algorithm from libstemmer: "english" (Porter2), "porter" (Porter 1980, as
  // Anserini/Lucene's PorterStemFilter), or "none".
  std::string stemmer = "english";
  // "none", or "lucene" (Lucene's 33-word English stop set, as Anserini uses).
  std::string stopwords = "none";
};

// Immutable after construction and thread-safe (stemmers are per thread).
class Analyzer {
 public:
  explicit Analyzer(AnalyzerOptions options = {});
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // Terms of `text` in order. Invalid UTF-8 bytes act as separators (never an error here:
  // front ends validate input and report it).
  std::vector<std::string> analyze(std::string_view text) const;

  const AnalyzerOptions& options() const { return options_; }

 private:
  std::string stem(const std::string& word) const;
  AnalyzerOptions options_;
};

// Lucene's EnglishAnalyzer stop set.
const std::vector<std::string>& lucene_english_stopwords();

}  // namespace rerank::text
