// Every hosted-API response is checked before its scores are used: each document of the
// request scored exactly once, indices in range, scores finite. A wrong response is a
// typed Error(Network) naming the provider and the first problem, never a silent
// mis-ranking.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rankers/api/dialect.hpp"
#include "rerank/error.hpp"

namespace rerank::api {

// Parses a 2xx body as JSON (Error(Network) when malformed, saying so when the body
// carries NaN/Infinity literals, or nests deeper than 128 levels). The message quotes the
// start of the body with every
// occurrence of `secret` (the API key, which a misbehaving upstream may echo) redacted.
nlohmann::json parse_response_json(const std::string& body, const std::string& provider,
                                   const std::string& secret = {});

// `error` with every occurrence of `secret` in its message redacted; the code is kept.
Error redacted(const Error& error, const std::string& secret);

// The scores of `count` documents in input order. Throws Error(Network) when an index is
// out of range or repeated, a document is missing, or a score is NaN or infinite.
std::vector<double> scores_in_input_order(const std::vector<ScoredIndex>& results, std::size_t count,
                                          const std::string& provider);

}  // namespace rerank::api
