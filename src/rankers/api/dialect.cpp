#include "rankers/api/dialect.hpp"

#include "rerank/error.hpp"

namespace rerank::api {

std::vector<std::pair<std::string, std::string>> Dialect::headers(const std::string& key) const {
  if (key.empty()) return {};
  return {{"Authorization", "Bearer " + key}};
}

std::unique_ptr<Dialect> make_dialect(const std::string& name) {
  if (name == "cohere") return make_cohere_dialect();
  if (name == "jina") return make_jina_dialect();
  if (name == "voyage") return make_voyage_dialect();
  if (name == "mixedbread") return make_mixedbread_dialect();
  if (name == "pinecone") return make_pinecone_dialect();
  if (name == "isaacus") return make_isaacus_dialect();
  if (name == "tei") return make_tei_dialect();
  if (name == "llamacpp") return make_llamacpp_dialect();
  if (name == "rerank-server") return make_rerank_server_dialect();
  return nullptr;
}

const nlohmann::json& require_member(const nlohmann::json& body, const std::string& key,
                                     const std::string& provider) {
  if (!body.is_object() || !body.contains(key)) {
    throw Error(ErrorCode::Network, "invalid response from " + provider + ": no '" + key + "' field");
  }
  return body[key];
}

std::vector<ScoredIndex> parse_scored_array(const nlohmann::json& array, const std::string& score_field,
                                            const std::string& provider) {
  if (!array.is_array()) {
    throw Error(ErrorCode::Network, "invalid response from " + provider + ": results are not an array");
  }
  std::vector<ScoredIndex> out;
  out.reserve(array.size());
  for (const nlohmann::json& item : array) {
    if (!item.is_object() || !item.contains("index") || !item["index"].is_number_integer()) {
      throw Error(ErrorCode::Network, "invalid response from " + provider + ": a result has no integer 'index'");
    }
    if (!item.contains(score_field) || !item[score_field].is_number()) {
      // NaN and infinity are not JSON; a server that writes them produces null or a parse error.
      throw Error(ErrorCode::Network, "invalid response from " + provider + ": result " +
                                          item["index"].dump() + " has no numeric '" + score_field + "'");
    }
    out.push_back({item["index"].get<long long>(), item[score_field].get<double>()});
  }
  return out;
}

nlohmann::json query_documents_body(const DialectRequest& r) {
  nlohmann::json body = {{"query", r.query}, {"documents", nlohmann::json::array()}};
  if (!r.model.empty()) body["model"] = r.model;
  for (const std::string& d : r.documents) body["documents"].push_back(d);
  return body;
}

DialectResponse relevance_results_with_usage(const nlohmann::json& body, const std::string& results_key,
                                             const std::string& provider) {
  DialectResponse out;
  out.results = parse_scored_array(require_member(body, results_key, provider), "relevance_score", provider);
  if (body.contains("usage")) out.usage = numeric_usage(body["usage"]);
  return out;
}

nlohmann::json numeric_usage(const nlohmann::json& usage) {
  nlohmann::json out = nlohmann::json::object();
  if (!usage.is_object()) return out;
  for (const auto& [key, value] : usage.items()) {
    if (value.is_number()) out[key] = value;
  }
  return out;
}

}  // namespace rerank::api
