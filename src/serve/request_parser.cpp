#include "serve/request_parser.hpp"

#include <string>

#include "core/json_parse.hpp"
#include "core/utf8.hpp"
#include "rerank/error.hpp"
#include "serve/dialects.hpp"

namespace rerank::serve {

Dialect route_dialect(std::string_view route) {
  if (route == "/v2/rerank") return Dialect::CohereV2;
  if (route == "/v1/rerank") return Dialect::CohereV1;
  if (route == "/v1/reranking") return Dialect::Mixedbread;
  return Dialect::Generic;
}

namespace {

// nlohmann's parser keeps its own stack, but copy, dump, compare and the rendering of
// return_documents recurse, so nesting is refused during the parse, before any of them runs.
nlohmann::json parse_json_object(std::string_view body, const RequestLimits& limits) {
  if (auto bad = find_invalid_utf8(body)) {
    throw Error(ErrorCode::InvalidInput,
                "the request body is not valid UTF-8 (invalid byte at offset " + std::to_string(*bad) + ")");
  }
  if (body.empty()) throw Error(ErrorCode::InvalidInput, "the request body is empty; send a JSON object");
  nlohmann::json json = parse_json(body, "the request body",
                                   {limits.max_json_depth, ErrorCode::InvalidInput, "the server's --max-json-depth"});
  if (!json.is_object()) throw Error(ErrorCode::InvalidInput, "the request body must be a JSON object");
  return json;
}

bool has(const nlohmann::json& body, const char* key) {
  const auto it = body.find(key);
  return it != body.end() && !it->is_null();
}

}  // namespace

RerankCall parse_rerank_request(std::string_view route, std::string_view body, const RequestLimits& limits) {
  const nlohmann::json json = parse_json_object(body, limits);
  if (route == "/v2/rerank") return parse_cohere_v2(json);
  if (route == "/v1/rerank") return parse_cohere_v1(json);
  // Shared routes: the fields say which API the client speaks.
  if (has(json, "texts")) return parse_tei(json);
  if (route == "/v1/reranking" || has(json, "input")) {
    if (has(json, "documents") && !has(json, "input")) return parse_cohere_v1(json);  // llama.cpp
    return parse_mixedbread(json);
  }
  if (has(json, "documents")) {
    RerankCall call = parse_cohere_v1(json);
    call.weaviate_fields = route == "/rerank" || route == "/";
    return call;
  }
  throw Error(ErrorCode::InvalidArgument,
              "the request needs 'documents' (Jina/Cohere), 'texts' (TEI) or 'input' (Mixedbread)");
}

}  // namespace rerank::serve
