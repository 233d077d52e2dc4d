// Voyage AI rerank: POST https://api.voyageai.com/v1/rerank, Authorization: Bearer.
// Request {query, documents: [string] (at most 1,000), model, top_k, return_documents,
// truncation}; response {object: "list", data: [{index, relevance_score}], model,
// usage: {total_tokens}}. https://docs.voyageai.com/reference/reranker-api,
// https://docs.voyageai.com/docs/reranker
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class VoyageDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = query_documents_body(r);
    body["top_k"] = r.documents.size();
    body["return_documents"] = false;
    body["truncation"] = r.truncate;  // false: Voyage rejects over-long inputs instead
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    return relevance_results_with_usage(body, "data", "Voyage");
  }

 private:
  DialectInfo info_{"voyage", "Voyage", "https://api.voyageai.com", "/v1/rerank", "VOYAGE_API_KEY", true, 1000, true};
};

}  // namespace

std::unique_ptr<Dialect> make_voyage_dialect() { return std::make_unique<VoyageDialect>(); }

}  // namespace rerank::api
