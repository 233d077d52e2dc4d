// Small helpers shared by the api_* tests: load options aimed at a fake server with short
// timeouts and backoffs, numbered documents, a stopwatch.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "rerank/ranker.hpp"
#include "support/fake_api_server.hpp"

namespace rerank::testing {

inline LoadOptions fake_options(const FakeApiServer& server, const std::map<std::string, std::string>& extra = {},
                                const std::string& key = "test-secret-key") {
  LoadOptions o;
  o.endpoint = server.url();
  o.api_key = key;
  o.params = {{"backoff", "0.05"}, {"max_backoff", "0.2"}, {"timeout", "3"}, {"connect_timeout", "1"}};
  for (const auto& [k, v] : extra) o.params[k] = v;
  return o;
}

inline std::vector<Document> numbered_documents(std::size_t n, const std::string& stem = "document number ") {
  std::vector<Document> docs;
  docs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) docs.push_back({std::to_string(i), stem + std::to_string(i)});
  return docs;
}

inline std::vector<double> expected_scores(const std::vector<Document>& docs) {
  std::vector<double> out;
  for (const Document& d : docs) out.push_back(fake_score(d.text));
  return out;
}

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace rerank::testing
