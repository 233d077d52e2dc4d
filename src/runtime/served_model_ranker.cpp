#include "runtime/served_model_ranker.hpp"

#include "rerank/error.hpp"

namespace rerank::runtime {

ServedModelRanker::ServedModelRanker(std::unique_ptr<const ModelRanker> ranker, std::size_t batch_tokens)
    : ranker_(std::move(ranker)),
      runtime_(std::make_unique<ModelRuntime>(ranker_->model(), batch_tokens)),
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

std::vector<Scores> ServedModelRanker::score_many(std::span<const std::string> queries,
                                                  std::span<const std::vector<Document>> documents_per_query,
                                                  const ScoreOptions& options) const {
  if (queries.size() != documents_per_query.size()) {
    throw Error(ErrorCode::InvalidArgument, "score_many: one document list per query is needed");
  }
  std::vector<PreparedRequest> prepared;
  prepared.reserve(queries.size());
  for (std::size_t q = 0; q < queries.size(); ++q) {
    std::vector<std::string_view> texts;
    texts.reserve(documents_per_query[q].size());
    for (const Document& d : documents_per_query[q]) texts.push_back(d.text);
    prepared.push_back(ranker_->prepare(queries[q], texts, options));
  }
  std::vector<const PreparedRequest*> pointers;
  for (const PreparedRequest& p : prepared) pointers.push_back(&p);
  const auto outputs = runtime_->run(pointers);

  const models::Model& model = ranker_->model();
  std::vector<Scores> out(queries.size());
  for (std::size_t q = 0; q < queries.size(); ++q) {
    Scores& s = out[q];
    s.ranker = info_.spec;
    std::size_t tokens = 0, truncated = 0, fallbacks = 0;
    for (std::size_t d = 0; d < prepared[q].sequences.size(); ++d) {
      const PreparedSequence& seq = prepared[q].sequences[d];
      const std::vector<float>& o = outputs[q][d];
      s.values.push_back(ranker_->score(o));
      s.flops += model.flops(seq.length());
      s.documents.push_back({o, seq.length(), seq.truncated, seq.longest_first_fallback});
      tokens += seq.length();
      truncated += seq.truncated ? 1 : 0;
      fallbacks += seq.longest_first_fallback ? 1 : 0;
    }
    s.usage = {{"tokens", tokens}, {"truncated", truncated}};
    if (fallbacks > 0) s.usage["truncation_fallbacks"] = fallbacks;
  }
  return out;
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
