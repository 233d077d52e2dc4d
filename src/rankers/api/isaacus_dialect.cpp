// Isaacus rerankings: POST https://api.isaacus.com/v1/rerankings, Authorization: Bearer.
// Request {model, query, texts: [string], top_n}; response {results: [{index, score}],
// usage: {input_tokens}}. https://docs.isaacus.com/api-reference/rerankings/reranking
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class IsaacusDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = {{"model", r.model}, {"query", r.query}, {"texts", nlohmann::json::array()}};
    for (const std::string& d : r.documents) body["texts"].push_back(d);
    body["top_n"] = r.documents.size();
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    DialectResponse out;
    out.results = parse_scored_array(require_member(body, "results", "Isaacus"), "score", "Isaacus");
    if (body.contains("usage")) out.usage = numeric_usage(body["usage"]);
    return out;
  }

 private:
  DialectInfo info_{"isaacus", "Isaacus", "https://api.isaacus.com", "/v1/rerankings", "ISAACUS_API_KEY", true,
                    1000, true};
};

}  // namespace

std::unique_ptr<Dialect> make_isaacus_dialect() { return std::make_unique<IsaacusDialect>(); }

}  // namespace rerank::api
