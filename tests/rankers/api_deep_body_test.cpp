// Hosted-API bodies nested 100,000 deep (an upstream or a proxy can send anything): they are
// refused or quoted as text with a typed error, never walked recursively (which overflowed
// the stack in provider_error_message before). fuzz/make_deep_seeds.sh feeds the same
// shapes to api_response_fuzz.
#include <string>

#include <gtest/gtest.h>

#include "rankers/api/dialect.hpp"
#include "rankers/api/response_validation.hpp"
#include "rankers/api/status_error.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::api {
namespace {

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ApiDeepBodies, DeepErrorBodiesBecomeBoundedTypedErrors) {
  for (const std::string& body : {R"({"error":)" + nested(100000) + "}", R"({"message":{"a":)" + nested(100000) + "}}",
                                  nested(100000)}) {
    const Error e = error_for_status(500, body, "TEI (http://127.0.0.1:9), attempt 1 of 1", "the key");
    EXPECT_EQ(e.code(), ErrorCode::Network);
    EXPECT_LT(std::string(e.what()).size(), 400u) << e.what();
    EXPECT_LE(provider_error_message(body).size(), 303u);
  }
  // Ordinary nesting is still read as JSON.
  EXPECT_EQ(provider_error_message(R"({"error": {"code": 401, "message": "Invalid API Key"}})"), "Invalid API Key");
  EXPECT_EQ(provider_error_message(R"({"detail": [{"loc": ["body", "query"], "msg": "field required"}]})"),
            R"([{"loc":["body","query"],"msg":"field required"}])");
}

TEST(ApiDeepBodies, DeepSuccessBodiesAreInvalidResponses) {
  const auto dialect = make_dialect("cohere");
  const std::string body = R"({"results":[{"index":0,"relevance_score":)" + nested(100000) + "}]}";
  EXPECT_EQ(rerank::testing::code_of([&] { dialect->parse_response(parse_response_json(body, "Cohere")); }),
            ErrorCode::Network);
}

}  // namespace
}  // namespace rerank::api
