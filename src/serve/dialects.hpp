// The API dialects: each parses its request JSON into a RerankCall and renders a
// RerankOutcome in its vendor's response shape. One .cpp per dialect (dialect_*.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/rerank_call.hpp"

namespace rerank::serve {

// Jina / Cohere v1 / llama.cpp: {model, query, documents: [string | {text} | object],
// top_n, return_documents, max_tokens_per_doc, rank_fields, max_chunks_per_doc (accepted)}.
RerankCall parse_cohere_v1(const nlohmann::json& body);
nlohmann::json render_cohere_v1(const RerankCall& call, const RerankOutcome& outcome);

// Cohere v2: {model, query, documents: [string], top_n, max_tokens_per_doc}.
RerankCall parse_cohere_v2(const nlohmann::json& body);
nlohmann::json render_cohere_v2(const RerankCall& call, const RerankOutcome& outcome);

// Hugging Face TEI: {query, texts, truncate, truncation_direction, raw_scores, return_text}.
RerankCall parse_tei(const nlohmann::json& body);
nlohmann::json render_tei(const RerankCall& call, const RerankOutcome& outcome);

// Mixedbread: {model, query, input: [string | object], rank_fields, top_k, return_input}.
RerankCall parse_mixedbread(const nlohmann::json& body);
nlohmann::json render_mixedbread(const RerankCall& call, const RerankOutcome& outcome);

// Shared by the dialects: reads `items` into call.documents/originals. A string is the text;
// an object gives its rank_fields ("field: value" lines), else its "text", else its JSON.
void read_documents(const nlohmann::json& items, const std::vector<std::string>& rank_fields,
                    const char* field, RerankCall& call);
std::vector<std::string> read_rank_fields(const nlohmann::json& body);
// Fields every dialect accepts: raw_scores, instruction.
void read_common_fields(const nlohmann::json& body, RerankCall& call);
// Cohere's billing unit: one search per query and up to 100 documents.
std::size_t search_units(std::size_t documents);

}  // namespace rerank::serve
