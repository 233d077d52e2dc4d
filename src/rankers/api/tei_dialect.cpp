// Hugging Face text-embeddings-inference: POST {url}/rerank, optional Bearer key.
// Request {query, texts: [string], raw_scores, return_text, truncate,
// truncation_direction}; response: a bare array [{index, score}]. TEI refuses more texts
// than its --max-client-batch-size (default 32), so requests are split at 32.
// https://huggingface.github.io/text-embeddings-inference/ (OpenAPI, /rerank)
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class TeiDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = {{"query", r.query}, {"texts", nlohmann::json::array()}};
    for (const std::string& d : r.documents) body["texts"].push_back(d);
    body["raw_scores"] = r.raw_scores;
    body["return_text"] = false;
    body["truncate"] = r.truncate;
    if (r.truncate_left) body["truncation_direction"] = "Left";
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    DialectResponse out;
    out.results = parse_scored_array(body, "score", "TEI");
    return out;
  }

 private:
  DialectInfo info_{"tei", "TEI", "", "/rerank", "", false, 32, false};
};

}  // namespace

std::unique_ptr<Dialect> make_tei_dialect() { return std::make_unique<TeiDialect>(); }

}  // namespace rerank::api
