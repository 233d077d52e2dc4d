// The public Ranker of every model ranker: its prepare phase on the caller's thread, then
// the model runtime (merged with concurrent callers), then its score rule. What
// rerank::load returns for a cross-encoder (and every model family to come).
#pragma once

#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rankers/model_ranker.hpp"
#include "rerank/ranker.hpp"
#include "runtime/model_runtime.hpp"

namespace rerank::runtime {

class ServedModelRanker final : public Ranker {
 public:
  ServedModelRanker(std::unique_ptr<const ModelRanker> ranker, std::size_t batch_tokens, int lanes = 1);

  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view query, std::span<const Document> documents,
                         const ScoreOptions& options = {}) const override;
  // Every query's documents are prepared first (an error fails the call before anything
  // runs), then run together in shared forward passes.
  std::vector<Scores> score_many(std::span<const std::string> queries,
                                 std::span<const std::vector<Document>> documents_per_query,
                                 const ScoreOptions& options = {}) const override;

  // The two phases apart, for a scheduler that prepares on the submitting thread (so a bad
  // request fails there, alone) and runs many requests together.
  PreparedRequest prepare(std::string_view query, std::span<const Document> documents,
                          const ScoreOptions& options) const;
  struct ScoredRequest {
    Scores scores;
    std::exception_ptr error;  // set when the model refused the request; scores is then empty
  };
  std::vector<ScoredRequest> score_prepared(std::span<const PreparedRequest* const> requests) const;

  const ModelRanker& model_ranker() const { return *ranker_; }
  const ModelRuntime& runtime() const { return *runtime_; }

 private:
  std::unique_ptr<const ModelRanker> ranker_;
  Scores scores_of(const PreparedRequest& request, const std::vector<std::vector<float>>& outputs) const;

  std::unique_ptr<ModelRuntime> runtime_;
  RankerInfo info_;
};

// The model ranker behind `ranker`, or null when it is not served by the runtime (tests,
// `rerank prepare`).
const ModelRanker* served_model_ranker(const Ranker& ranker);
const ModelRuntime* served_runtime(const Ranker& ranker);

}  // namespace rerank::runtime
