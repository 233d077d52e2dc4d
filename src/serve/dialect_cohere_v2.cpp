// Cohere v2 (/v2/rerank): what cohere-ai's ClientV2 and the Vercel AI SDK send.
#include "rerank/error.hpp"
#include "serve/dialects.hpp"
#include "serve/json_fields.hpp"

namespace rerank::serve {

RerankCall parse_cohere_v2(const nlohmann::json& body) {
  RerankCall call;
  call.dialect = Dialect::CohereV2;
  // Cohere requires `model`; rerank accepts its absence like every dialect (default model).
  call.model = optional_string(body, "model").value_or("");
  call.query = required_string(body, "query");
  read_documents(required_array(body, "documents"), read_rank_fields(body), "documents", call);
  call.top_n = optional_count(body, "top_n");
  call.return_documents = optional_bool(body, "return_documents").value_or(false);
  call.options.max_tokens_per_doc = optional_count(body, "max_tokens_per_doc");
  (void)optional_count(body, "priority");  // accepted; one priority for everybody
  read_common_fields(body, call);
  return call;
}

nlohmann::json render_cohere_v2(const RerankCall& call, const RerankOutcome& outcome) {
  nlohmann::json results = nlohmann::json::array();
  for (const std::size_t i : outcome.order) {
    nlohmann::json r = {{"index", i}, {"relevance_score", outcome.scores[i]}};
    if (call.return_documents) r["document"] = {{"text", call.documents[i].text}};
    results.push_back(std::move(r));
  }
  return {
      {"id", outcome.id},
      {"results", std::move(results)},
      {"meta",
       {{"api_version", {{"version", "2"}}},
        {"billed_units", {{"search_units", search_units(call.documents.size())}}},
        {"tokens", {{"input_tokens", outcome.tokens}, {"output_tokens", 0}}}}},
  };
}

}  // namespace rerank::serve
