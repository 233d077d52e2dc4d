// Our own `rerank serve`: POST {url}/v1/rerank in its Jina/Cohere-v1 dialect plus
// `raw_scores` (docs/server.md). Request {model?, query, documents: [string], top_n,
// return_documents, raw_scores, max_tokens_per_doc?}; response {id, model, results:
// [{index, relevance_score}], usage: {prompt_tokens, total_tokens}}. The key is optional
// (RERANK_API_KEY or --api-key).
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class RerankServerDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = query_documents_body(r);
    body["top_n"] = r.documents.size();
    body["return_documents"] = false;
    body["raw_scores"] = r.raw_scores;
    if (r.max_tokens_per_doc) body["max_tokens_per_doc"] = *r.max_tokens_per_doc;
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    return relevance_results_with_usage(body, "results", "rerank serve");
  }

 private:
  DialectInfo info_{"rerank-server", "rerank serve", "", "/v1/rerank", "RERANK_API_KEY", false, 1000, false};
};

}  // namespace

std::unique_ptr<Dialect> make_rerank_server_dialect() { return std::make_unique<RerankServerDialect>(); }

}  // namespace rerank::api
