// A rerank request as every dialect parses it, and what the server sends back to render.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rerank/ranker.hpp"

namespace rerank::serve {

// The API a request speaks; decides field names, the response shape and the error shape.
enum class Dialect {
  CohereV1,    // Jina and Cohere v1 (/v1/rerank, /rerank with documents), llama.cpp
  CohereV2,    // /v2/rerank
  Tei,         // /rerank with texts
  Mixedbread,  // /v1/reranking with input
  Generic,     // not known yet (malformed body at a shared route): error bodies carry every vendor's keys
};

struct RerankCall {
  Dialect dialect = Dialect::Generic;
  bool weaviate_fields = false;  // POST /rerank with documents: also "query" and "scores" in input order
  std::string model;             // empty: the default model
  std::string query;
  std::vector<Document> documents;
  std::vector<nlohmann::json> originals;  // each input item as sent (returned by return_documents/return_input)
  std::optional<std::size_t> top_n;       // top_n / top_k; nullopt: every document
  bool return_documents = false;          // return_documents / return_text / return_input
  bool raw_scores = false;
  ScoreOptions options;
};

// The scored request, ready to render.
struct RerankOutcome {
  std::string id;                  // a fresh request id
  std::string model;               // the model name to report
  std::vector<double> scores;      // after the score rule, in input order
  std::vector<std::size_t> order;  // indices sorted by score (ties: input order), cut to top_n
  std::size_t tokens = 0;          // prompt tokens (the ranker's count, else the scheduler's estimate)
};

}  // namespace rerank::serve
