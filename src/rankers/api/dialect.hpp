// A hosted reranking API's wire format ("dialect"): where to send, how to authenticate,
// the request JSON and how to read the response. One implementation per provider, each in
// its own <provider>_dialect.cpp; ApiRanker (api_ranker.hpp) adds everything else
// (retries, limits, splitting, validation).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rerank::api {

struct DialectInfo {
  std::string name;              // registry type: "cohere", "tei", ...
  std::string display_name;      // "Cohere", for messages
  std::string default_base_url;  // empty: the spec's model part is the URL (tei:http://...)
  std::string path;              // appended to the base URL: "/v2/rerank"
  std::string key_env;           // environment variable with the key; empty: none
  bool key_required = true;      // false for self-hosted servers
  std::size_t max_documents = 1000;  // documents per request (the provider's limit)
  bool model_in_spec = true;     // the spec's model part names a model (not a URL)
};

// One request's worth of input, after client-side truncation.
struct DialectRequest {
  std::string model;  // empty for servers where it is optional and not given
  std::string query;
  std::span<const std::string> documents;
  std::optional<std::size_t> max_tokens_per_doc;
  bool truncate = true;
  bool truncate_left = false;
  bool raw_scores = false;  // servers that normalise by default (TEI, rerank serve)
};

struct ScoredIndex {
  long long index = -1;  // as the server sent it; validated by the caller
  double score = 0.0;
};

struct DialectResponse {
  std::vector<ScoredIndex> results;
  nlohmann::json usage = nlohmann::json::object();  // flat {name: number} as reported
};

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual const DialectInfo& info() const = 0;

  // Authentication (and version) headers for `key`; empty key: none. Default: Bearer.
  virtual std::vector<std::pair<std::string, std::string>> headers(const std::string& key) const;

  virtual nlohmann::json build_request(const DialectRequest& request) const = 0;

  // Reads the results out of a 2xx body. Throws Error(Network) when the shape is wrong
  // (missing fields, wrong types); range and count checks happen in the caller.
  virtual DialectResponse parse_response(const nlohmann::json& body) const = 0;
};

// The provider's dialect by registry type name, or nullptr.
std::unique_ptr<Dialect> make_dialect(const std::string& name);

// Shared by dialects: {model, query, documents: [string]}, the body most rerank APIs start
// from; "model" only when one is set (self-hosted servers default it).
nlohmann::json query_documents_body(const DialectRequest& request);

// Shared by dialects: the array of {index, relevance_score} at body[results_key] and the
// numeric members of body["usage"], the response most rerank APIs send.
DialectResponse relevance_results_with_usage(const nlohmann::json& body, const std::string& results_key,
                                             const std::string& provider);

// Shared by dialects: reads an array of {index, <score_field>} objects.
std::vector<ScoredIndex> parse_scored_array(const nlohmann::json& array, const std::string& score_field,
                                            const std::string& provider);
// Copies the numeric members of a usage object ({} when absent or not an object).
nlohmann::json numeric_usage(const nlohmann::json& usage);
// The member `key` of `body`, which must be an object holding it; else Error(Network).
const nlohmann::json& require_member(const nlohmann::json& body, const std::string& key,
                                     const std::string& provider);

// Factories, one per provider file.
std::unique_ptr<Dialect> make_cohere_dialect();
std::unique_ptr<Dialect> make_jina_dialect();
std::unique_ptr<Dialect> make_voyage_dialect();
std::unique_ptr<Dialect> make_mixedbread_dialect();
std::unique_ptr<Dialect> make_pinecone_dialect();
std::unique_ptr<Dialect> make_isaacus_dialect();
std::unique_ptr<Dialect> make_tei_dialect();
std::unique_ptr<Dialect> make_llamacpp_dialect();
std::unique_ptr<Dialect> make_rerank_server_dialect();

}  // namespace rerank::api
