// Documents and ranked results: the values every ranker and front end exchange.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>  // metadata is an arbitrary JSON object

namespace rerank {

struct Document {
  std::string id;
  std::string text;
  nlohmann::json metadata = nlohmann::json::object();
};

struct Result {
  Document document;
  double score = 0.0;
  std::size_t rank = 0;   // 1-based position after sorting
  std::size_t index = 0;  // 0-based position in the ranker's input
};

// A ranker that was tried and passed over by a fallback chain, and why.
struct SkippedRanker {
  std::string spec;
  std::string reason;
};

// Results sorted by score (descending). Ties keep input order; NaN scores sort last.
// A value type: copy freely, not synchronised.
class RankedResults {
 public:
  RankedResults() = default;

  // Throws Error(InvalidArgument) when the sizes differ.
  static RankedResults from_scores(std::vector<Document> documents, const std::vector<double>& scores);

  const std::vector<Result>& results() const { return results_; }
  std::size_t size() const { return results_.size(); }
  bool empty() const { return results_.empty(); }
  const Result& operator[](std::size_t i) const { return results_[i]; }
  auto begin() const { return results_.begin(); }
  auto end() const { return results_.end(); }

  // The first min(k, size()) results; provenance fields are kept.
  RankedResults top_k(std::size_t k) const;

  // The result for a document id, or nullptr. The first match wins when ids repeat.
  const Result* find(std::string_view document_id) const;

  // {"ranker","skipped":[{"spec","reason"}],"usage":{},"results":[{"id","index","score","rank","text","metadata"}]}
  nlohmann::json to_json() const;
  // Inverse of to_json(); throws Error(InvalidInput) on a malformed object.
  static RankedResults from_json(const nlohmann::json& json);

  // Provenance: which ranker produced the scores, what a fallback chain skipped, and usage
  // (tokens, search units) reported by hosted APIs.
  std::string ranker;
  std::vector<SkippedRanker> skipped;
  nlohmann::json usage = nlohmann::json::object();

 private:
  std::vector<Result> results_;
};

}  // namespace rerank
