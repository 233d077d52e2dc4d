#include "rerank/ranker.hpp"

#include "rerank/error.hpp"

namespace rerank {

std::vector<Scores> Ranker::score_many(std::span<const std::string> queries,
                                       std::span<const std::vector<Document>> documents_per_query,
                                       const ScoreOptions& options) const {
  if (queries.size() != documents_per_query.size()) {
    throw Error(ErrorCode::InvalidArgument,
                "score_many needs one document list per query (" + std::to_string(queries.size()) +
                    " queries, " + std::to_string(documents_per_query.size()) + " lists)");
  }
  std::vector<Scores> out;
  out.reserve(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    out.push_back(score_documents(queries[i], documents_per_query[i], options));
  }
  return out;
}

namespace {
RankedResults to_ranked(std::vector<Document> documents, Scores scores) {
  RankedResults ranked = RankedResults::from_scores(std::move(documents), scores.values);
  ranked.ranker = std::move(scores.ranker);
  ranked.skipped = std::move(scores.skipped);
  ranked.usage = std::move(scores.usage);
  return ranked;
}
}  // namespace

RankedResults Ranker::rank(std::string_view query, std::vector<Document> documents,
                           const ScoreOptions& options) const {
  Scores scores = score_documents(query, documents, options);
  if (scores.ranker.empty()) scores.ranker = info().spec;
  return to_ranked(std::move(documents), std::move(scores));
}

double Ranker::score(std::string_view query, const Document& document) const {
  Scores scores = score_documents(query, std::span<const Document>(&document, 1));
  if (scores.values.size() != 1) {
    throw Error(ErrorCode::Internal, "ranker returned " + std::to_string(scores.values.size()) +
                                         " scores for one document");
  }
  return scores.values[0];
}

std::vector<RankedResults> Ranker::rank_many(const std::vector<std::string>& queries,
                                             std::vector<std::vector<Document>> documents_per_query,
                                             const ScoreOptions& options) const {
  std::vector<Scores> scores = score_many(queries, documents_per_query, options);
  if (scores.size() != queries.size()) {
    throw Error(ErrorCode::Internal, "score_many returned the wrong number of score lists");
  }
  std::vector<RankedResults> out;
  out.reserve(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (scores[i].ranker.empty()) scores[i].ranker = info().spec;
    out.push_back(to_ranked(std::move(documents_per_query[i]), std::move(scores[i])));
  }
  return out;
}

}  // namespace rerank
