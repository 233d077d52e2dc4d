// Each provider dialect against a fake server that enforces the documented request shape:
// the right path, auth headers, fields; scores mapped back to input order; usage reported.
#include <cctype>
#include <cstdlib>

#include <gtest/gtest.h>

#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/api_test_util.hpp"
#include "support/fake_api_server.hpp"

namespace rerank::testing {
namespace {

struct ProviderCase {
  std::string spec;
  std::string dialect;
  std::string docs_field;
  std::string usage_key;  // a usage field the provider reports; empty: none
};

class ApiProviders : public ::testing::TestWithParam<ProviderCase> {};

TEST_P(ApiProviders, ScoresComeBackInInputOrderWithUsage) {
  const ProviderCase& c = GetParam();
  const bool self_hosted = c.dialect == "tei" || c.dialect == "llamacpp" || c.dialect == "rerank-server";
  FakeApiServer server(c.dialect, self_hosted ? "" : "test-secret-key");
  LoadOptions options = fake_options(server, {}, self_hosted ? "" : "test-secret-key");
  auto ranker = load(c.spec, options);
  EXPECT_EQ(ranker->info().type, c.dialect);
  EXPECT_EQ(ranker->info().score_kind, ScoreKind::ApiRelevance);

  const auto docs = numbered_documents(7, "passage about topic ");
  Scores scores = ranker->score_documents("which topic?", docs);
  EXPECT_EQ(scores.values, expected_scores(docs));  // exact: scores pass through unchanged
  EXPECT_TRUE(server.rejections().empty()) << server.rejections().front();
  ASSERT_EQ(server.request_count(), 1u);
  if (!c.usage_key.empty()) {
    ASSERT_TRUE(scores.usage.contains(c.usage_key)) << scores.usage.dump();
    EXPECT_GT(scores.usage[c.usage_key].get<double>(), 0.0);
  }
  EXPECT_EQ(scores.usage.value("requests", 0), 1);

  const FakeRequest req = server.requests().front();
  ASSERT_TRUE(req.body.contains(c.docs_field));
  EXPECT_EQ(req.body[c.docs_field].size(), 7u);
  EXPECT_EQ(req.body["query"], "which topic?");

  // rank() sorts by the passed-through scores and names the ranker.
  RankedResults ranked = ranker->rank("which topic?", docs);
  EXPECT_EQ(ranked.ranker, c.spec);
  for (std::size_t i = 1; i < ranked.size(); ++i) EXPECT_GE(ranked[i - 1].score, ranked[i].score);
}

INSTANTIATE_TEST_SUITE_P(
    Dialects, ApiProviders,
    ::testing::Values(ProviderCase{"cohere:rerank-v3.5", "cohere", "documents", "search_units"},
                      ProviderCase{"jina:jina-reranker-v2-base-multilingual", "jina", "documents", "total_tokens"},
                      ProviderCase{"voyage:rerank-2.5", "voyage", "documents", "total_tokens"},
                      ProviderCase{"mixedbread:mxbai-rerank-large-v2", "mixedbread", "input", "total_tokens"},
                      ProviderCase{"pinecone:bge-reranker-v2-m3", "pinecone", "documents", "rerank_units"},
                      ProviderCase{"isaacus:kanon-universal-classifier", "isaacus", "texts", "input_tokens"},
                      ProviderCase{"tei:http://127.0.0.1:9", "tei", "texts", ""},
                      ProviderCase{"llamacpp:http://127.0.0.1:9", "llamacpp", "documents", "total_tokens"},
                      ProviderCase{"rerank:http://127.0.0.1:9", "rerank-server", "documents", "total_tokens"}),
    [](const ::testing::TestParamInfo<ProviderCase>& info) {
      std::string name = info.param.dialect;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(ApiProviderDetails, CohereSendsModelTopNAndMaxTokensPerDoc) {
  FakeApiServer server("cohere");
  auto ranker = load("cohere:rerank-v3.5", fake_options(server));
  ScoreOptions so;
  so.max_tokens_per_doc = 512;
  ranker->score_documents("q", numbered_documents(3), so);
  const auto req = server.requests().at(0);
  EXPECT_EQ(req.path, "/v2/rerank");
  EXPECT_EQ(req.headers.at("authorization"), "Bearer test-secret-key");
  EXPECT_EQ(req.body["model"], "rerank-v3.5");
  EXPECT_EQ(req.body["top_n"], 3);
  EXPECT_EQ(req.body["max_tokens_per_doc"], 512);
}

TEST(ApiProviderDetails, PineconeUsesApiKeyAndVersionHeadersAndObjectDocuments) {
  FakeApiServer server("pinecone");
  auto ranker = load("pinecone:bge-reranker-v2-m3", fake_options(server));
  ranker->score_documents("q", numbered_documents(2));
  const auto req = server.requests().at(0);
  EXPECT_EQ(req.path, "/rerank");
  EXPECT_EQ(req.headers.at("api-key"), "test-secret-key");
  EXPECT_EQ(req.headers.at("x-pinecone-api-version"), "2025-04");
  EXPECT_EQ(req.headers.count("authorization"), 0u);
  EXPECT_EQ(req.body["documents"][1]["text"], "document number 1");
  EXPECT_EQ(req.body["parameters"]["truncate"], "END");
}

TEST(ApiProviderDetails, TeiSendsRawScoresAndTruncationDirection) {
  FakeApiServer server("tei", "");
  LoadOptions options;
  options.params["raw_scores"] = "true";
  auto ranker = load("tei:" + server.url(), options);
  ScoreOptions so;
  so.truncate_left = true;
  ranker->score_documents("q", numbered_documents(2), so);
  const auto req = server.requests().at(0);
  EXPECT_EQ(req.body["raw_scores"], true);
  EXPECT_EQ(req.body["truncation_direction"], "Left");
  EXPECT_EQ(req.headers.count("authorization"), 0u);  // no key configured: no header
}

TEST(ApiProviderDetails, EndpointWithFullPathIsUsedAsGiven) {
  FakeApiServer server("jina");
  LoadOptions options = fake_options(server);
  options.endpoint = server.url() + "/v1/rerank";
  auto ranker = load("jina:jina-reranker-v2-base-multilingual", options);
  ranker->score_documents("q", numbered_documents(2));
  EXPECT_EQ(server.requests().at(0).path, "/v1/rerank");
}

TEST(ApiProviderDetails, KeyComesFromTheProviderEnvironmentVariable) {
  FakeApiServer server("voyage");
  LoadOptions options = fake_options(server, {}, "");
  ::setenv("VOYAGE_API_KEY", "test-secret-key", 1);
  auto ranker = load("voyage:rerank-2.5", options);
  ::unsetenv("VOYAGE_API_KEY");
  ranker->score_documents("q", numbered_documents(2));
  EXPECT_EQ(server.requests().at(0).headers.at("authorization"), "Bearer test-secret-key");
}

TEST(ApiProviderDetails, MissingKeyIsUnauthorizedAtLoadNamingTheVariable) {
  ::unsetenv("MXBAI_API_KEY");
  try {
    load("mixedbread:mxbai-rerank-large-v2");
    FAIL() << "loaded without a key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unauthorized);
    EXPECT_NE(std::string(e.what()).find("MXBAI_API_KEY"), std::string::npos) << e.what();
  }
}

TEST(ApiProviderDetails, RejectedKeyIsUnauthorizedAndNeverAppearsInTheMessage) {
  FakeApiServer server("cohere", "the-right-key");
  const std::string secret = "sk-live-DO-NOT-LEAK-123";
  auto ranker = load("cohere:rerank-v3.5", fake_options(server, {}, secret));
  try {
    ranker->score_documents("q", numbered_documents(2));
    FAIL() << "accepted a wrong key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unauthorized);
    const std::string what = e.what();
    EXPECT_EQ(what.find(secret), std::string::npos) << what;  // the server echoed it; we redact
    EXPECT_NE(what.find("COHERE_API_KEY"), std::string::npos) << what;
  }
  EXPECT_EQ(server.request_count(), 1u);  // 401 is not retried
}

TEST(ApiProviderDetails, BadEndpointIsAnInvalidArgument) {
  LoadOptions options;
  options.api_key = "k";
  options.endpoint = "ftp://example.com";
  EXPECT_THROW(
      {
        try {
          load("cohere:rerank-v3.5", options);
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
          throw;
        }
      },
      Error);
}

TEST(ApiProviderDetails, EmptyDocumentListSendsNothing) {
  FakeApiServer server("cohere");
  auto ranker = load("cohere:rerank-v3.5", fake_options(server));
  Scores s = ranker->score_documents("q", std::vector<Document>{});
  EXPECT_TRUE(s.values.empty());
  EXPECT_EQ(server.request_count(), 0u);
}

}  // namespace
}  // namespace rerank::testing
