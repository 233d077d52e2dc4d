// Mixedbread (/v1/reranking with input): what @mixedbread/sdk's client.rerank() sends.
#include "rerank/error.hpp"
#include "serve/dialects.hpp"
#include "serve/json_fields.hpp"

namespace rerank::serve {

RerankCall parse_mixedbread(const nlohmann::json& body) {
  RerankCall call;
  call.dialect = Dialect::Mixedbread;
  call.model = optional_string(body, "model").value_or("");
  call.query = required_string(body, "query");
  read_documents(required_array(body, "input"), read_rank_fields(body), "input", call);
  call.top_n = optional_count(body, "top_k");
  call.return_documents = optional_bool(body, "return_input").value_or(false);
  (void)optional_bool(body, "rewrite_query");  // accepted; queries are used as given
  read_common_fields(body, call);
  return call;
}

nlohmann::json render_mixedbread(const RerankCall& call, const RerankOutcome& outcome) {
  nlohmann::json data = nlohmann::json::array();
  for (const std::size_t i : outcome.order) {
    nlohmann::json r = {{"index", i}, {"score", outcome.scores[i]}, {"object", "rank_result"}};
    if (call.return_documents) r["input"] = call.originals[i];
    data.push_back(std::move(r));
  }
  return {
      {"model", outcome.model},
      {"object", "list"},
      {"data", std::move(data)},
      {"top_k", outcome.order.size()},
      {"return_input", call.return_documents},
      {"usage", {{"prompt_tokens", outcome.tokens}, {"total_tokens", outcome.tokens}, {"completion_tokens", 0}}},
  };
}

}  // namespace rerank::serve
