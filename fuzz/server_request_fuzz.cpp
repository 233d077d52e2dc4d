// libFuzzer target for the server's request handling without sockets: the first byte picks
// the route, the rest is the body. Parsing must either succeed or throw rerank::Error (which
// the server turns into 400/422); a successful parse must render in its dialect. Any other
// exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rerank/error.hpp"
#include "serve/dialects.hpp"
#include "serve/http_errors.hpp"
#include "serve/request_parser.hpp"
#include "serve/score_rule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rerank;
  using namespace rerank::serve;
  static const char* const kRoutes[] = {"/v1/rerank", "/v2/rerank", "/rerank", "/v1/reranking", "/"};
  if (size == 0) return 0;
  const std::string_view route = kRoutes[data[0] % 5];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    RerankCall call = parse_rerank_request(route, body);
    Scores scores;
    for (std::size_t i = 0; i < call.documents.size(); ++i) {
      scores.values.push_back(static_cast<double>(call.documents[i].text.size() % 7) - 3.0);
    }
    const RerankOutcome outcome = make_outcome(call, scores, ScoreKind::Logit, false, 1, "fuzz");
    nlohmann::json out;
    switch (call.dialect) {
      case Dialect::CohereV2: out = render_cohere_v2(call, outcome); break;
      case Dialect::Tei: out = render_tei(call, outcome); break;
      case Dialect::Mixedbread: out = render_mixedbread(call, outcome); break;
      default: out = render_cohere_v1(call, outcome); break;
    }
    (void)out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const Error& e) {
    for (Phase phase : {Phase::Parse, Phase::Validate, Phase::Score}) {
      (void)error_body(route_dialect(route), to_http_error(e, phase));
    }
  }
  return 0;
}
