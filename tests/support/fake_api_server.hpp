// An in-process fake of the hosted reranking APIs on 127.0.0.1, for the api_* tests.
// It speaks each provider's dialect as its public documentation describes it
// (docs/providers.md), rejects requests that deviate from it (wrong path, auth header,
// missing or unknown fields, wrong types, too many documents) with the provider's error
// status, and injects faults on demand: 429 with Retry-After, 500, 503, malformed JSON,
// wrong or repeated indices, missing results, NaN scores, slow bodies, dropped
// connections, or a vendor's recorded body. Scores are a deterministic function of each document's text
// (fake_score), so tests know the exact expected values.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rerank::testing {

enum class Fault {
  None,
  Status429,       // with FaultSpec::retry_after as the Retry-After header (if non-empty)
  Status500,
  Status503,
  Status401,
  MalformedJson,   // 200 with a truncated JSON body
  WrongIndex,      // 200, one index out of range
  DuplicateIndex,  // 200, one document scored twice
  MissingResult,   // 200, one document not scored
  NaNLiteral,      // 200, a score written as the NaN literal (Python's json.dumps)
  NullScore,       // 200, a score written as null (how JSON libraries write NaN)
  SlowBody,        // 200, half the body, then a pause of FaultSpec::delay_ms, then the rest
  DropConnection,  // headers announce a body, then the connection closes
  Recorded,        // FaultSpec::status with FaultSpec::body verbatim (a vendor's published body)
};

struct FaultSpec {
  // A constructor, not an aggregate, so `{Fault::Status503}` leaves the rest at their defaults
  // without -Wmissing-field-initializers.
  FaultSpec(Fault f = Fault::None, std::string retry = {}, int delay = 0)  // NOLINT(google-explicit-constructor)
      : fault(f), retry_after(std::move(retry)), delay_ms(delay) {}
  // A request answered with a recorded body (tests/data/vendors), after the usual request checks.
  static FaultSpec recorded(int status, std::string body) {
    FaultSpec spec(Fault::Recorded);
    spec.status = status;
    spec.body = std::move(body);
    return spec;
  }
  Fault fault;
  std::string retry_after;  // Status429 / Status503: the Retry-After header value
  int delay_ms;             // SlowBody: the pause
  int status = 200;         // Recorded: the HTTP status
  std::string body;         // Recorded: the body, sent unchanged
};

struct FakeRequest {
  double arrival_s = 0;  // seconds since the server started, by the server's steady clock
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names
  nlohmann::json body;
};

class FakeApiServer {
 public:
  // dialect: cohere, jina, voyage, mixedbread, pinecone, isaacus, tei, llamacpp,
  // rerank-server. `api_key` empty: the server takes no key (self-hosted servers).
  explicit FakeApiServer(std::string dialect, std::string api_key = "test-secret-key");
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  std::string url() const;  // http://127.0.0.1:PORT

  // The provider's per-request document limit the server enforces (default: documented).
  void set_max_documents(std::size_t n);
  // Faults for the next requests, one per request in order; then normal answers.
  void push_faults(const std::vector<FaultSpec>& faults);

  std::size_t request_count() const;           // every request that reached the server
  std::vector<FakeRequest> requests() const;   // in arrival order
  std::vector<std::string> rejections() const; // why requests were refused (shape, auth)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The score the fake gives `text`: deterministic, distinct for distinct texts, in (-1, 1).
double fake_score(std::string_view text);

}  // namespace rerank::testing
