// Mixedbread reranking: POST https://api.mixedbread.com/v1/reranking, Authorization:
// Bearer. Request {model, query, input: [string], top_k, return_input}; response
// {object: "list", data: [{index, score, object}], model, usage: {prompt_tokens,
// total_tokens}, top_k, return_input}. top_k has a small default, so it is always sent.
// https://mixedbread.com/api-reference/endpoints/reranking
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class MixedbreadDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = {{"model", r.model}, {"query", r.query}, {"input", nlohmann::json::array()}};
    for (const std::string& d : r.documents) body["input"].push_back(d);
    body["top_k"] = r.documents.size();
    body["return_input"] = false;
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    DialectResponse out;
    out.results = parse_scored_array(require_member(body, "data", "Mixedbread"), "score", "Mixedbread");
    if (body.contains("usage")) out.usage = numeric_usage(body["usage"]);
    return out;
  }

 private:
  DialectInfo info_{"mixedbread", "Mixedbread", "https://api.mixedbread.com", "/v1/reranking", "MXBAI_API_KEY",
                    true, 1000, true};
};

}  // namespace

std::unique_ptr<Dialect> make_mixedbread_dialect() { return std::make_unique<MixedbreadDialect>(); }

}  // namespace rerank::api
