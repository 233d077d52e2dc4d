// Jina Reranker API: POST https://api.jina.ai/v1/rerank, Authorization: Bearer.
// Request {model, query, documents: [string], top_n, return_documents}; response
// {model, usage: {total_tokens}, results: [{index, relevance_score, document?}]}.
// https://jina.ai/reranker/ (API reference), https://api.jina.ai/redoc#tag/rerank
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class JinaDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = query_documents_body(r);
    body["top_n"] = r.documents.size();
    body["return_documents"] = false;  // we have the texts; do not pay to download them
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    return relevance_results_with_usage(body, "results", "Jina");
  }

 private:
  // No hard document cap is published; 1,000 per request keeps bodies and latency bounded.
  DialectInfo info_{"jina", "Jina", "https://api.jina.ai", "/v1/rerank", "JINA_API_KEY", true, 1000, true};
};

}  // namespace

std::unique_ptr<Dialect> make_jina_dialect() { return std::make_unique<JinaDialect>(); }

}  // namespace rerank::api
