// Hugging Face text-embeddings-inference (/rerank with texts): a bare array sorted by score.
#include <algorithm>
#include <cctype>

#include "rerank/error.hpp"
#include "serve/dialects.hpp"
#include "serve/json_fields.hpp"

namespace rerank::serve {

RerankCall parse_tei(const nlohmann::json& body) {
  RerankCall call;
  call.dialect = Dialect::Tei;
  call.model = optional_string(body, "model").value_or("");
  call.query = required_string(body, "query");
  const nlohmann::json& texts = required_array(body, "texts");
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (!texts[i].is_string()) {
      throw Error(ErrorCode::InvalidArgument, "'texts[" + std::to_string(i) + "]' must be a string");
    }
  }
  read_documents(texts, {}, "texts", call);
  // TEI servers started with --auto-truncate truncate by default; truncate:false makes an
  // over-long input an error (422).
  call.options.truncate = optional_bool(body, "truncate").value_or(true);
  if (auto direction = optional_string(body, "truncation_direction")) {
    std::string d = *direction;
    std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::tolower(c); });
    if (d != "left" && d != "right") {
      throw Error(ErrorCode::InvalidArgument, "'truncation_direction' must be \"right\" or \"left\"");
    }
    call.options.truncate_left = d == "left";
  }
  call.return_documents = optional_bool(body, "return_text").value_or(false);
  call.top_n = optional_count(body, "top_n");  // not TEI's, but harmless and handy
  read_common_fields(body, call);
  return call;
}

nlohmann::json render_tei(const RerankCall& call, const RerankOutcome& outcome) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::size_t i : outcome.order) {
    nlohmann::json r = {{"index", i}, {"score", outcome.scores[i]}};
    if (call.return_documents) r["text"] = call.documents[i].text;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace rerank::serve
