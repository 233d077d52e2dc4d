// llama.cpp `llama-server --reranking` (and vLLM's Jina-compatible route): POST
// {url}/v1/rerank, optional Bearer key. Request {model?, query, documents: [string],
// top_n}; response {model, object, usage: {prompt_tokens, total_tokens}, results:
// [{index, relevance_score}]}.
// https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md (POST /reranking)
#include "rankers/api/dialect.hpp"

namespace rerank::api {

namespace {

class LlamaCppDialect final : public Dialect {
 public:
  const DialectInfo& info() const override { return info_; }

  nlohmann::json build_request(const DialectRequest& r) const override {
    nlohmann::json body = query_documents_body(r);
    body["top_n"] = r.documents.size();
    return body;
  }

  DialectResponse parse_response(const nlohmann::json& body) const override {
    return relevance_results_with_usage(body, "results", "llama.cpp");
  }

 private:
  // The server batches internally; 1,000 bounds one request body.
  DialectInfo info_{"llamacpp", "llama.cpp", "", "/v1/rerank", "", false, 1000, false};
};

}  // namespace

std::unique_ptr<Dialect> make_llamacpp_dialect() { return std::make_unique<LlamaCppDialect>(); }

}  // namespace rerank::api
