#include "rankers/api/response_validation.hpp"

#include <cmath>
#include <sstream>

#include "core/json_parse.hpp"
#include "rankers/api/api_settings.hpp"
#include "rerank/error.hpp"

namespace rerank::api {

namespace {
// Real answers nest a few levels (results, a document object). Copying or dumping a value
// recurses, so an upstream's nesting is bounded while parsing, as the server bounds requests.
constexpr std::size_t kMaxResponseDepth = 128;
}  // namespace

nlohmann::json parse_response_json(const std::string& body, const std::string& provider, const std::string& secret) {
  const std::string what = "invalid response from " + provider;
  try {
    return parse_json(body, what, {kMaxResponseDepth, ErrorCode::Network, ""});
  } catch (const Error& e) {
    // Python's json module writes NaN/Infinity literals, which are not JSON.
    const bool malformed = std::string_view(e.what()).find("malformed JSON") != std::string_view::npos;
    if (malformed && (body.find("NaN") != std::string::npos || body.find("Infinity") != std::string::npos)) {
      throw Error(ErrorCode::Network, what + ": a score is NaN or Infinity (not valid JSON)");
    }
    // parse_json gives the position, never the text. The snippet is cut after redacting, so
    // a key split by the cut cannot leak its first half.
    throw Error(ErrorCode::Network, std::string(e.what()) + "; body starts with '" + redact(body, secret).substr(0, 80) + "'");
  }
}

Error redacted(const Error& error, const std::string& secret) {
  return Error(error.code(), redact(error.what(), secret));
}

std::vector<double> scores_in_input_order(const std::vector<ScoredIndex>& results, std::size_t count,
                                          const std::string& provider) {
  std::vector<double> scores(count, 0.0);
  std::vector<char> seen(count, 0);
  for (const ScoredIndex& r : results) {
    if (r.index < 0 || static_cast<unsigned long long>(r.index) >= count) {
      throw Error(ErrorCode::Network, "invalid response from " + provider + ": index " + std::to_string(r.index) +
                                          " is out of range for " + std::to_string(count) + " documents");
    }
    const auto i = static_cast<std::size_t>(r.index);
    if (seen[i]) {
      throw Error(ErrorCode::Network,
                  "invalid response from " + provider + ": document " + std::to_string(i) + " was scored twice");
    }
    if (!std::isfinite(r.score)) {
      std::ostringstream s;
      s << r.score;
      throw Error(ErrorCode::Network, "invalid response from " + provider + ": document " + std::to_string(i) +
                                          " has a non-finite score (" + s.str() + ")");
    }
    seen[i] = 1;
    scores[i] = r.score;
  }
  if (results.size() != count) {
    std::size_t missing = 0;
    while (missing < count && seen[missing]) ++missing;
    throw Error(ErrorCode::Network, "invalid response from " + provider + ": " + std::to_string(results.size()) +
                                        " scores for " + std::to_string(count) + " documents (document " +
                                        std::to_string(missing) + " has none)");
  }
  return scores;
}

}  // namespace rerank::api
