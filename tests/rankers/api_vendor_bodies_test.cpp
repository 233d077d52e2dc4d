// The hosted-API rankers against the bodies vendors publish (tests/data/vendors, sources in
// its README): each dialect reads the published response exactly, a published partial
// answer (top_n below the document count) is refused rather than mis-ranked, and the
// published error bodies of non-Cohere servers (TEI, llama.cpp) become typed errors that
// carry the vendor's own message.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "rankers/api/dialect.hpp"
#include "rankers/api/response_validation.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/api_test_util.hpp"
#include "support/fake_api_server.hpp"
#include "support/test_support.hpp"

namespace rerank::testing {
namespace {

std::string vendor_body(const std::string& relative) {
  return read_file(source_dir() / "tests" / "data" / "vendors" / relative);
}

struct PublishedResponse {
  std::string dialect;
  std::string file;
  std::vector<std::pair<long long, double>> results;  // (index, score) in the published order
  std::string usage_key;                              // empty: the response reports none
  double usage_value = 0;
};

class VendorResponses : public ::testing::TestWithParam<PublishedResponse> {};

TEST_P(VendorResponses, DialectReadsThePublishedResultsAndUsage) {
  const PublishedResponse& c = GetParam();
  const auto dialect = api::make_dialect(c.dialect);
  ASSERT_NE(dialect, nullptr);
  const api::DialectResponse parsed =
      dialect->parse_response(api::parse_response_json(vendor_body(c.file), c.dialect));
  ASSERT_EQ(parsed.results.size(), c.results.size());
  for (std::size_t i = 0; i < c.results.size(); ++i) {
    EXPECT_EQ(parsed.results[i].index, c.results[i].first) << i;
    EXPECT_EQ(parsed.results[i].score, c.results[i].second) << i;  // exact: parsed, not computed
  }
  if (c.usage_key.empty()) {
    EXPECT_TRUE(parsed.usage.empty()) << parsed.usage.dump();
  } else {
    ASSERT_TRUE(parsed.usage.contains(c.usage_key)) << parsed.usage.dump();
    EXPECT_EQ(parsed.usage[c.usage_key].get<double>(), c.usage_value);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Published, VendorResponses,
    ::testing::Values(
        PublishedResponse{"cohere", "cohere/rerank_v2_response.json",
                          {{3, 0.999071}, {4, 0.7867867}, {0, 0.32713068}}, "search_units", 1},
        PublishedResponse{"jina", "jina/rerank_response.json",
                          {{0, 0.8783142566680908}, {2, 0.7624675869941711}}, "total_tokens", 815},
        PublishedResponse{"voyage", "voyage/rerank_response.json", {{0, 0.4375}, {1, 0.421875}}, "total_tokens", 26},
        PublishedResponse{"pinecone", "pinecone/rerank_response.json",
                          {{2, 0.48357219}, {0, 0.048405956}, {3, 0.007846239}, {1, 0.0006563728}},
                          "rerank_units", 1},
        PublishedResponse{"mixedbread", "mixedbread/rerank_response.json", {{1, 0.9}, {0, 0.1}}, "total_tokens", 162},
        PublishedResponse{"tei", "tei/rerank_response_openapi.json", {{0, 1.0}}, "", 0}),
    [](const ::testing::TestParamInfo<PublishedResponse>& info) { return info.param.dialect; });

// One request answered with `body` (every retry too), through the whole ranker.
Scores score_with_recorded(const std::string& spec, const std::string& dialect, const std::string& key,
                           std::size_t documents, int status, const std::string& body) {
  FakeApiServer server(dialect, key);
  server.push_faults(std::vector<FaultSpec>(8, FaultSpec::recorded(status, body)));
  auto ranker = load(spec, fake_options(server, {{"retries", "1"}}, key));
  return ranker->score_documents("published query", numbered_documents(documents));
}

TEST(VendorBodiesEndToEnd, PineconeGuideResponseScoresEveryDocumentInInputOrder) {
  const Scores s = score_with_recorded("pinecone:bge-reranker-v2-m3", "pinecone", "test-secret-key", 4, 200,
                                       vendor_body("pinecone/rerank_response.json"));
  EXPECT_EQ(s.values, (std::vector<double>{0.048405956, 0.0006563728, 0.48357219, 0.007846239}));
  EXPECT_EQ(s.usage.value("rerank_units", 0.0), 1.0);
}

TEST(VendorBodiesEndToEnd, VoyageReferenceResponseScoresBothDocuments) {
  const Scores s = score_with_recorded("voyage:rerank-lite-1", "voyage", "test-secret-key", 2, 200,
                                       vendor_body("voyage/rerank_response.json"));
  EXPECT_EQ(s.values, (std::vector<double>{0.4375, 0.421875}));
  EXPECT_EQ(s.usage.value("total_tokens", 0.0), 26.0);
}

// Cohere's example answers top_n=3 for 5 documents: scoring all five from it would invent
// two scores, so it is an error naming the first unscored document.
TEST(VendorBodiesEndToEnd, PublishedTopNAnswersAreRefusedNotMisRanked) {
  std::string message;
  EXPECT_EQ(code_of(
                [&] {
                  score_with_recorded("cohere:rerank-v3.5", "cohere", "test-secret-key", 5, 200,
                                      vendor_body("cohere/rerank_v2_response.json"));
                },
                &message),
            ErrorCode::Network);
  EXPECT_NE(message.find("3 scores for 5 documents (document 1 has none)"), std::string::npos) << message;

  EXPECT_EQ(code_of(
                [&] {
                  score_with_recorded("jina:jina-reranker-v2-base-multilingual", "jina", "test-secret-key", 3, 200,
                                      vendor_body("jina/rerank_response.json"));
                },
                &message),
            ErrorCode::Network);
  EXPECT_NE(message.find("2 scores for 3 documents (document 1 has none)"), std::string::npos) << message;
}

struct PublishedError {
  std::string spec;
  std::string dialect;
  std::string file;
  int status;
  ErrorCode code;
  std::string vendor_message;  // what the vendor's body says, which the error must carry
};

class VendorErrors : public ::testing::TestWithParam<PublishedError> {};

TEST_P(VendorErrors, BecomeTypedErrorsWithTheVendorsMessage) {
  const PublishedError& c = GetParam();
  std::string message;
  EXPECT_EQ(code_of([&] { score_with_recorded(c.spec, c.dialect, "", 2, c.status, vendor_body(c.file)); }, &message),
            c.code)
      << message;
  EXPECT_NE(message.find("HTTP " + std::to_string(c.status) + ": " + c.vendor_message), std::string::npos) << message;
  EXPECT_EQ(message.find("error_type"), std::string::npos) << "the raw JSON leaked: " << message;
}

INSTANTIATE_TEST_SUITE_P(
    Published, VendorErrors,
    ::testing::Values(
        PublishedError{"tei:http://127.0.0.1:9", "tei", "tei/error_413_validation.json", 413, ErrorCode::InvalidInput,
                       "Batch size error"},
        PublishedError{"tei:http://127.0.0.1:9", "tei", "tei/error_422_tokenizer.json", 422, ErrorCode::InvalidInput,
                       "Tokenization error"},
        PublishedError{"tei:http://127.0.0.1:9", "tei", "tei/error_424_backend.json", 424, ErrorCode::Network,
                       "Inference failed"},
        PublishedError{"tei:http://127.0.0.1:9", "tei", "tei/error_429_overloaded.json", 429, ErrorCode::Overloaded,
                       "Model is overloaded"},
        PublishedError{"llamacpp:http://127.0.0.1:9", "llamacpp", "llamacpp/error_401_authentication.json", 401,
                       ErrorCode::Unauthorized, "Invalid API Key"},
        PublishedError{"llamacpp:http://127.0.0.1:9", "llamacpp", "llamacpp/error_503_unavailable.json", 503,
                       ErrorCode::Overloaded, "Loading model"}),
    [](const ::testing::TestParamInfo<PublishedError>& info) {
      return info.param.dialect + "_" + std::to_string(info.param.status);
    });

}  // namespace
}  // namespace rerank::testing
