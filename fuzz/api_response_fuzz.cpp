// libFuzzer target for hosted-API response handling (src/rankers/api): the first byte picks
// the provider dialect, the second the number of documents asked for (1..16) and the HTTP
// status class, the rest is the response body. A 2xx body must give one finite score per
// document or throw rerank::Error; an error body must become a typed Error whose message is
// bounded. Any other exception, crash or sanitizer report is a bug.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rankers/api/dialect.hpp"
#include "rankers/api/response_validation.hpp"
#include "rankers/api/status_error.hpp"
#include "rerank/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kDialects[] = {"cohere", "jina",     "voyage",        "mixedbread", "pinecone",
                                          "isaacus", "tei", "llamacpp", "rerank-server"};
  static const long kStatuses[] = {200, 200, 400, 401, 404, 413, 422, 424, 429, 500, 503, 402};
  if (size < 2) return 0;
  const auto dialect = rerank::api::make_dialect(kDialects[data[0] % 9]);
  const std::size_t documents = 1 + (data[1] & 0x0F);
  const long status = kStatuses[(data[1] >> 4) % 12];
  const std::string body(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::string& provider = dialect->info().display_name;
  if (status / 100 == 2) {
    try {
      const auto parsed = dialect->parse_response(rerank::api::parse_response_json(body, provider));
      const auto scores = rerank::api::scores_in_input_order(parsed.results, documents, provider);
      if (scores.size() != documents) std::abort();
      for (double s : scores) {
        if (!std::isfinite(s)) std::abort();
      }
      for (const auto& [key, value] : parsed.usage.items()) {
        if (!value.is_number()) std::abort();
      }
    } catch (const rerank::Error& e) {
      if (e.code() != rerank::ErrorCode::Network) std::abort();
    }
  } else {
    const std::string message = rerank::api::provider_error_message(body);
    if (message.size() > 303 || message.find('\n') != std::string::npos) std::abort();
    const rerank::Error e = rerank::api::error_for_status(status, body, provider + " (fuzz)", "the key");
    if (std::string(e.what()).size() > 600) std::abort();
  }
  return 0;
}
