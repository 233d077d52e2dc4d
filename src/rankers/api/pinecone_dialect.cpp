// Pinecone Inference rerank: POST https://api.pinecone.io/rerank with headers
// `Api-Key: KEY` and `X-Pinecone-API-Version: 2025-04`. Request {model, query,
// documents: [{id, text}], top_n, return_documents, parameters: {truncate: END|NONE}};
// response {model, data: [{index, score}], usage: {rerank_units}}. bge-reranker-v2-m3
// takes at most 100 documents and 1,024 tokens per query+document pair.
// https://docs.pinecone.io/reference/api/2025-04/inference/rerank,
// https://docs.pinecone.io/guides/search/rerank-results
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class PineconeDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  std::vector<std::pair<std::string, std::string>> headers(const std::string& key) const override {
    std::vector<std::pair<std::string, std::string>> h = {{"X-Pinecone-API-Version", "2025-04"}};
    if (!key.empty()) h.emplace_back("Api-Key", key);
    return h;
  }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = {{"model", r.model}, {"query", r.query}, {"documents", nlohmann::json::array()}};
    for (std::size_t i = 0; i < r.documents.size(); ++i) {
      body["documents"].push_back({{"id", std::to_string(i)}, {"text", r.documents[i]}});
    }
    body["top_n"] = r.documents.size();
    body["return_documents"] = false;
    body["parameters"] = {{"truncate", r.truncate ? "END" : "NONE"}};
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    DialectResponse out;
    out.results = parse_scored_array(require_member(body, "data", "Pinecone"), "score", "Pinecone");
    if (body.contains("usage")) out.usage = numeric_usage(body["usage"]);
    return out;
  }

 private:
  DialectInfo info_{"pinecone", "Pinecone", "https://api.pinecone.io", "/rerank", "PINECONE_API_KEY", true, 100, true};
};

}  // namespace

std::unique_ptr<Dialect> make_pinecone_dialect() { return std::make_unique<PineconeDialect>(); }

}  // namespace rerank::api
