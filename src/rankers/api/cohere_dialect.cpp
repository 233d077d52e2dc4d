// Cohere Rerank v2: POST https://api.cohere.com/v2/rerank, Authorization: Bearer.
// Request {model, query, documents: [string], top_n, max_tokens_per_doc}; response
// {id, results: [{index, relevance_score}], meta: {billed_units: {search_units}}}.
// https://docs.cohere.com/reference/rerank, https://docs.cohere.com/v2/docs/reranking-best-practices
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class CohereDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = query_documents_body(r);
    body["top_n"] = r.documents.size();  // every document, so each gets a score
    if (r.max_tokens_per_doc) body["max_tokens_per_doc"] = *r.max_tokens_per_doc;
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    DialectResponse out;
    out.results = parse_scored_array(require_member(body, "results", "Cohere"), "relevance_score", "Cohere");
    if (body.contains("meta") && body["meta"].is_object() && body["meta"].contains("billed_units")) {
      out.usage = numeric_usage(body["meta"]["billed_units"]);
    }
    return out;
  }

 private:
  // Cohere recommends at most 1,000 documents per request.
  DialectInfo info_{"cohere", "Cohere", "https://api.cohere.com", "/v2/rerank", "COHERE_API_KEY", true, 1000, true};
};

}  // namespace

std::unique_ptr<Dialect> make_cohere_dialect() { return std::make_unique<CohereDialect>(); }

}  // namespace rerank::api
