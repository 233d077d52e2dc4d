// Jina and Cohere v1 (also llama.cpp's /v1/rerank and /v1/reranking with documents, and
// Weaviate's reranker-transformers at POST /rerank).
#include "rerank/error.hpp"
#include "serve/dialects.hpp"
#include "serve/json_fields.hpp"

namespace rerank::serve {

RerankCall parse_cohere_v1(const nlohmann::json& body) {
  RerankCall call;
  call.dialect = Dialect::CohereV1;
  call.model = optional_string(body, "model").value_or("");
  call.query = required_string(body, "query");
  read_documents(required_array(body, "documents"), read_rank_fields(body), "documents", call);
  call.top_n = optional_count(body, "top_n");
  // Jina's default; Cohere clients ignore the extra field.
  call.return_documents = optional_bool(body, "return_documents").value_or(true);
  call.options.max_tokens_per_doc = optional_count(body, "max_tokens_per_doc");
  (void)optional_count(body, "max_chunks_per_doc");  // Cohere v1: accepted, chunking is not done
  read_common_fields(body, call);
  return call;
}

nlohmann::json render_cohere_v1(const RerankCall& call, const RerankOutcome& outcome) {
  nlohmann::json results = nlohmann::json::array();
  for (const std::size_t i : outcome.order) {
    nlohmann::json r = {{"index", i}, {"relevance_score", outcome.scores[i]}};
    if (call.return_documents) {
      const nlohmann::json& original = call.originals[i];
      r["document"] = original.is_object() ? original : nlohmann::json{{"text", call.documents[i].text}};
    }
    results.push_back(std::move(r));
  }
  nlohmann::json out = {
      {"id", outcome.id},
      {"model", outcome.model},
      {"object", "list"},
      {"results", std::move(results)},
      {"usage", {{"prompt_tokens", outcome.tokens}, {"total_tokens", outcome.tokens}}},
      {"meta",
       {{"api_version", {{"version", "1"}}},
        {"billed_units", {{"search_units", search_units(call.documents.size())}}}}},
  };
  if (call.weaviate_fields) {
    // Weaviate's reranker-transformers reads {"query", "scores": [{"document", "score"}]} in input order.
    nlohmann::json scores = nlohmann::json::array();
    for (std::size_t i = 0; i < call.documents.size(); ++i) {
      scores.push_back({{"document", call.documents[i].text}, {"score", outcome.scores[i]}});
    }
    out["query"] = call.query;
    out["scores"] = std::move(scores);
  }
  return out;
}

}  // namespace rerank::serve
