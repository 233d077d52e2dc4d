#include "runtime/served_model_ranker.hpp"

#include "rerank/error.hpp"

namespace rerank::runtime {

ServedModelRanker::ServedModelRanker(std::unique_ptr<const ModelRanker> ranker, std::size_t batch_tokens, int lanes)
    : ranker_(std::move(ranker)),
      runtime_(std::make_unique<ModelRuntime>(ranker_->model(), batch_tokens, lanes)),
      info_(ranker_->info()) {
  info_.batch_tokens = batch_tokens;
}

Scores ServedModelRanker::score_documents(std::string_view query, std::span<const Document> documents,
                                          const ScoreOptions& options) const {
  const std::string q(query);
  const std::vector<Document> docs(documents.begin(), documents.end());
  return std::move(score_many(std::span<const std::string>(&q, 1),
                              std::span<const std::vector<Document>>(&docs, 1), options)[0]);
}

PreparedRequest ServedModelRanker::prepare(std::string_view query, std::span<const Document> documents,
                                           const ScoreOptions& options) const {
  std::vector<std::string_view> texts;
  texts.reserve(documents.size());
  for (const Document& d : documents) texts.push_back(d.text);
  return ranker_->prepare(query, texts, options);
}

std::vector<Scores> ServedModelRanker::score_many(std::span<const std::string> queries,
                                                  std::span<const std::vector<Document>> documents_per_query,
                                                  const ScoreOptions& options) const {
  if (queries.size() != documents_per_query.size()) {
    throw Error(ErrorCode::InvalidArgument, "score_many: one document list per query is needed");
  }
  std::vector<PreparedRequest> prepared;
  prepared.reserve(queries.size());
  for (std::size_t q = 0; q < queries.size(); ++q) prepared.push_back(prepare(queries[q], documents_per_query[q], options));
  std::vector<const PreparedRequest*> pointers;
  for (const PreparedRequest& p : prepared) pointers.push_back(&p);
  std::vector<ScoredRequest> scored = score_prepared(pointers);
  std::vector<Scores> out;
  out.reserve(scored.size());
  for (ScoredRequest& s : scored) {
    if (s.error) std::rethrow_exception(s.error);
    out.push_back(std::move(s.scores));
  }
  return out;
}

std::vector<ServedModelRanker::ScoredRequest> ServedModelRanker::score_prepared(
    std::span<const PreparedRequest* const> requests) const {
  ModelRuntime::Outcomes outcomes = runtime_->run_each(requests);
  std::vector<ScoredRequest> out(requests.size());
  for (std::size_t r = 0; r < requests.size(); ++r) {
    if (outcomes.errors[r]) {
      out[r].error = outcomes.errors[r];
    } else {
      out[r].scores = scores_of(*requests[r], outcomes.outputs[r]);
    }
  }
  return out;
}

Scores ServedModelRanker::scores_of(const PreparedRequest& request,
                                    const std::vector<std::vector<float>>& outputs) const {
  const models::Model& model = ranker_->model();
  Scores s;
  s.ranker = info_.spec;
  std::size_t tokens = 0, truncated = 0, fallbacks = 0;
  for (std::size_t d = 0; d < request.sequences.size(); ++d) {
    const PreparedSequence& seq = request.sequences[d];
    const std::vector<float>& o = outputs[d];
    s.values.push_back(ranker_->score(o));
    s.flops += model.flops(seq.length());
    s.documents.push_back({o, seq.length(), seq.truncated, seq.longest_first_fallback});
    tokens += seq.length();
    truncated += seq.truncated ? 1 : 0;
    fallbacks += seq.longest_first_fallback ? 1 : 0;
  }
  s.usage = {{"tokens", tokens}, {"truncated", truncated}};
  if (fallbacks > 0) s.usage["truncation_fallbacks"] = fallbacks;
  return s;
}

const ModelRanker* served_model_ranker(const Ranker& ranker) {
  const auto* served = dynamic_cast<const ServedModelRanker*>(&ranker);
  return served ? &served->model_ranker() : nullptr;
}

const ModelRuntime* served_runtime(const Ranker& ranker) {
  const auto* served = dynamic_cast<const ServedModelRanker*>(&ranker);
  return served ? &served->runtime() : nullptr;
}

}  // namespace rerank::runtime
