#include "rankers/bm25_ranker.hpp"

#include <cmath>
#include <unordered_set>

#include "io/document_reader.hpp"
#include "rerank/error.hpp"

namespace rerank {

namespace {

double parse_param(const LoadOptions& options, const std::string& key, double fallback, double lo, double hi) {
  auto it = options.params.find(key);
  if (it == options.params.end()) return fallback;
  try {
    std::size_t used = 0;
    double v = std::stod(it->second, &used);
    if (used != it->second.size() || !(v >= lo && v <= hi)) throw std::invalid_argument("range");
    return v;
  } catch (const std::exception&) {
    throw Error(ErrorCode::InvalidArgument, "bm25 parameter " + key + "='" + it->second +
                                                "' must be a number in [" + std::to_string(lo) + ", " +
                                                std::to_string(hi) + "]");
  }
}

std::string string_param(const LoadOptions& options, const std::string& key, const std::string& fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : it->second;
}

void add_to_stats(Bm25Stats& stats, const std::vector<std::string>& terms, double& total_length) {
  stats.num_docs += 1;
  total_length += static_cast<double>(terms.size());
  std::unordered_set<std::string_view> seen;
  for (const std::string& t : terms) {
    if (seen.insert(t).second) stats.doc_freq[t] += 1;
  }
}

}  // namespace

Bm25Ranker::Bm25Ranker(RankerInfo info, Bm25Params params, std::optional<Bm25Stats> corpus_stats)
    : info_(std::move(info)), params_(params), analyzer_(params.analyzer), corpus_stats_(std::move(corpus_stats)) {}

double Bm25Ranker::idf(double num_docs, double doc_freq) {
  return std::log(1.0 + (num_docs - doc_freq + 0.5) / (doc_freq + 0.5));
}

Scores Bm25Ranker::score_documents(std::string_view query, std::span<const Document> documents,
                                   const ScoreOptions&) const {
  Scores out;
  out.values.assign(documents.size(), 0.0);
  const std::vector<std::string> query_terms = analyzer_.analyze(query);
  std::vector<std::vector<std::string>> doc_terms;
  doc_terms.reserve(documents.size());
  for (const Document& d : documents) doc_terms.push_back(analyzer_.analyze(d.text));
  // Usage in the analyzer's terms, BM25's tokens: the query's once per document, as a model
  // reads the query with each document.
  std::size_t tokens = query_terms.size() * documents.size();
  for (const auto& terms : doc_terms) tokens += terms.size();
  out.usage["tokens"] = tokens;

  Bm25Stats candidate_stats;
  const Bm25Stats* stats = corpus_stats_ ? &*corpus_stats_ : nullptr;
  if (!stats) {
    double total = 0;
    for (const auto& terms : doc_terms) add_to_stats(candidate_stats, terms, total);
    candidate_stats.avg_doc_length = candidate_stats.num_docs > 0 ? total / candidate_stats.num_docs : 0;
    stats = &candidate_stats;
  }
  if (query_terms.empty() || stats->avg_doc_length <= 0) return out;

  // Each query term occurrence contributes (as Lucene's parsed OR query does).
  std::vector<double> idfs;
  idfs.reserve(query_terms.size());
  for (const std::string& t : query_terms) {
    auto it = stats->doc_freq.find(t);
    idfs.push_back(idf(stats->num_docs, it == stats->doc_freq.end() ? 0.0 : it->second));
  }
  for (std::size_t d = 0; d < documents.size(); ++d) {
    std::unordered_map<std::string_view, double> tf;
    for (const std::string& t : doc_terms[d]) tf[t] += 1;
    const double length_norm =
        params_.k1 * (1.0 - params_.b + params_.b * static_cast<double>(doc_terms[d].size()) / stats->avg_doc_length);
    double score = 0;
    for (std::size_t q = 0; q < query_terms.size(); ++q) {
      auto it = tf.find(query_terms[q]);
      if (it == tf.end()) continue;
      score += idfs[q] * it->second * (params_.k1 + 1.0) / (it->second + length_norm);
    }
    out.values[d] = score;
  }
  return out;
}

std::unique_ptr<Ranker> make_bm25_ranker(const ModelSource& source, const LoadOptions& options) {
  Bm25Params params;
  params.k1 = parse_param(options, "k1", params.k1, 0.0, 100.0);
  params.b = parse_param(options, "b", params.b, 0.0, 1.0);
  params.analyzer.stemmer = string_param(options, "stemmer", params.analyzer.stemmer);
  params.analyzer.stopwords = string_param(options, "stopwords", params.analyzer.stopwords);
  for (const auto& [key, value] : options.params) {
    if (key != "k1" && key != "b" && key != "stemmer" && key != "stopwords" && key != "corpus") {
      throw Error(ErrorCode::InvalidArgument,
                  "unknown bm25 parameter '" + key + "' (known: k1, b, stemmer, stopwords, corpus)");
    }
  }
  std::optional<Bm25Stats> corpus_stats;
  if (auto it = options.params.find("corpus"); it != options.params.end()) {
    text::Analyzer analyzer(params.analyzer);
    Bm25Stats stats;
    double total = 0;
    for (const Document& d : io::read_documents_file(it->second)) add_to_stats(stats, analyzer.analyze(d.text), total);
    stats.avg_doc_length = stats.num_docs > 0 ? total / stats.num_docs : 0;
    corpus_stats = std::move(stats);
  }
  RankerInfo info;
  info.type = "bm25";
  info.spec = source.spec;
  info.model = "bm25";
  info.score_kind = ScoreKind::Bm25;
  return std::make_unique<Bm25Ranker>(std::move(info), params, std::move(corpus_stats));
}

}  // namespace rerank
