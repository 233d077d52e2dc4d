#include "rerank/document.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rerank/error.hpp"
#include "rerank/score_rule.hpp"

namespace rerank {

RankedResults RankedResults::from_scores(std::vector<Document> documents,
                                         const std::vector<double>& scores) {
  if (documents.size() != scores.size()) {
    throw Error(ErrorCode::InvalidArgument,
                "ranker returned " + std::to_string(scores.size()) + " scores for " +
                    std::to_string(documents.size()) + " documents");
  }
  const std::vector<std::size_t> order = ranking_order(scores);
  RankedResults out;
  out.results_.reserve(documents.size());
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    const std::size_t i = order[pos];
    out.results_.push_back(Result{std::move(documents[i]), scores[i], pos + 1, i});
  }
  return out;
}

RankedResults RankedResults::top_k(std::size_t k) const {
  RankedResults out;
  out.ranker = ranker;
  out.skipped = skipped;
  out.usage = usage;
  const std::size_t n = std::min(k, results_.size());
  out.results_.assign(results_.begin(), results_.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

const Result* RankedResults::find(std::string_view document_id) const {
  for (const Result& r : results_) {
    if (r.document.id == document_id) return &r;
  }
  return nullptr;
}

nlohmann::json RankedResults::to_json() const {
  nlohmann::json skipped_json = nlohmann::json::array();
  for (const SkippedRanker& s : skipped) {
    skipped_json.push_back({{"spec", s.spec}, {"reason", s.reason}});
  }
  nlohmann::json results_json = nlohmann::json::array();
  for (const Result& r : results_) {
    // JSON has no NaN/Inf: write null so the output stays parseable.
    nlohmann::json score = std::isfinite(r.score) ? nlohmann::json(r.score) : nlohmann::json(nullptr);
    results_json.push_back({{"id", r.document.id},
                            {"index", r.index},
                            {"score", score},
                            {"rank", r.rank},
                            {"text", r.document.text},
                            {"metadata", r.document.metadata}});
  }
  return {{"ranker", ranker}, {"skipped", skipped_json}, {"usage", usage}, {"results", results_json}};
}

RankedResults RankedResults::from_json(const nlohmann::json& json) {
  try {
    RankedResults out;
    out.ranker = json.value("ranker", "");
    if (json.contains("skipped")) {
      for (const auto& s : json.at("skipped")) {
        out.skipped.push_back({s.at("spec").get<std::string>(), s.at("reason").get<std::string>()});
      }
    }
    out.usage = json.value("usage", nlohmann::json::object());
    for (const auto& r : json.at("results")) {
      Result result;
      result.document.id = r.at("id").get<std::string>();
      result.document.text = r.value("text", "");
      result.document.metadata = r.value("metadata", nlohmann::json::object());
      const auto& score = r.at("score");
      result.score = score.is_null() ? std::nan("") : score.get<double>();
      result.rank = r.at("rank").get<std::size_t>();
      result.index = r.at("index").get<std::size_t>();
      out.results_.push_back(std::move(result));
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::InvalidInput, std::string("malformed ranked results JSON: ") + e.what());
  }
}

}  // namespace rerank
