#include "rankers/api/response_validation.hpp"

#include <cmath>
#include <sstream>

#include "rerank/error.hpp"

namespace rerank::api {

nlohmann::json parse_response_json(const std::string& body, const std::string& provider) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    // Python's json module writes NaN/Infinity literals, which are not JSON.
    if (body.find("NaN") != std::string::npos || body.find("Infinity") != std::string::npos) {
      throw Error(ErrorCode::Network, "invalid response from " + provider +
                                          ": a score is NaN or Infinity (not valid JSON)");
    }
    std::string snippet = body.substr(0, 80);
    throw Error(ErrorCode::Network, "invalid response from " + provider + ": malformed JSON (" + e.what() +
                                        "); body starts with '" + snippet + "'");
  }
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
