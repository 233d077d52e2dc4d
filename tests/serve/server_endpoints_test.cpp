// Every endpoint and dialect of `rerank serve`, against a server on 127.0.0.1 (ephemeral port).
#include <gtest/gtest.h>

#include "serve_test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;

class Endpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    ranker_ = std::make_shared<WordCountRanker>();
    handle_ = start_server({{"word-count", ranker_}, {"bm25", rerank::load("bm25")}});
  }
  httplib::Result post(const std::string& path, const json& body) {
    auto c = handle_->client();
    return c.Post(path.c_str(), body.dump(), "application/json");
  }
  std::shared_ptr<WordCountRanker> ranker_;
  std::unique_ptr<ServerHandle> handle_;
};

// Scores for query "red fox": doc0 "a red fox" (2 hits: logit 1), doc1 "blue sky" (0: -1),
// doc2 "red car" (1: 0). Sigmoid: 0.731, 0.269, 0.5.
const json kDocs = json::array({"a red fox", "blue sky", "red car"});
constexpr double kSig1 = 0.7310585786300049;
constexpr double kSigM1 = 0.2689414213699951;

TEST_F(Endpoints, JinaCohereV1SortedTopNWithDocumentsUsageAndMeta) {
  for (const char* path : {"/v1/rerank", "/rerank"}) {
    auto res = post(path, {{"model", "word-count"}, {"query", "red fox"}, {"documents", kDocs}, {"top_n", 2}});
    ASSERT_TRUE(res) << path;
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    const json j = parse(res->body);
    ASSERT_TRUE(j["id"].is_string());
    EXPECT_EQ(j["model"], "word-count");
    ASSERT_EQ(j["results"].size(), 2u);
    EXPECT_EQ(j["results"][0]["index"], 0);
    EXPECT_TRUE(j["results"][0]["index"].is_number_integer());
    EXPECT_NEAR(j["results"][0]["relevance_score"].get<double>(), kSig1, 1e-12);
    EXPECT_EQ(j["results"][0]["document"]["text"], "a red fox");
    EXPECT_EQ(j["results"][1]["index"], 2);
    EXPECT_NEAR(j["results"][1]["relevance_score"].get<double>(), 0.5, 1e-12);
    EXPECT_GT(j["usage"]["total_tokens"].get<int>(), 0);
    EXPECT_EQ(j["usage"]["prompt_tokens"], j["usage"]["total_tokens"]);
    EXPECT_EQ(j["meta"]["api_version"]["version"], "1");
    EXPECT_EQ(j["meta"]["billed_units"]["search_units"], 1);
    // relevance_score is always written as a float (0.5, never 0 or 1 without a point).
    EXPECT_NE(res->body.find("\"relevance_score\":0.5"), std::string::npos);
  }
}

TEST_F(Endpoints, RerankWithDocumentsAlsoAnswersWeaviateShape) {
  auto res = post("/rerank", {{"query", "red fox"}, {"documents", kDocs}});
  ASSERT_EQ(res->status, 200);
  const json j = parse(res->body);
  EXPECT_EQ(j["query"], "red fox");
  ASSERT_EQ(j["scores"].size(), 3u);  // input order
  EXPECT_EQ(j["scores"][1]["document"], "blue sky");
  EXPECT_NEAR(j["scores"][1]["score"].get<double>(), kSigM1, 1e-12);
  EXPECT_EQ(j["results"].size(), 3u);  // no top_n: every document
}

TEST_F(Endpoints, IntegralScoresKeepADecimalPoint) {
  // BM25 scores pass through; a document without query terms scores exactly 0.
  auto res = post("/v1/rerank", {{"model", "bm25"}, {"query", "zebra"}, {"documents", {"nothing here", "zebra"}}});
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("\"relevance_score\":0.0"), std::string::npos) << res->body;
  const json j = parse(res->body);
  EXPECT_EQ(j["results"][0]["index"], 1);
  EXPECT_GT(j["results"][0]["relevance_score"].get<double>(), 0.0);
}

TEST_F(Endpoints, CohereV2) {
  auto res = post("/v2/rerank", {{"model", "rerank-v3.5"}, {"query", "red fox"}, {"documents", kDocs},
                                 {"top_n", 3}, {"max_tokens_per_doc", 512}});
  ASSERT_EQ(res->status, 200) << res->body;
  const json j = parse(res->body);
  EXPECT_TRUE(j["id"].is_string());
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][2]["index"], 1);
  EXPECT_FALSE(j["results"][0].contains("document"));
  EXPECT_EQ(j["meta"]["api_version"]["version"], "2");
  EXPECT_EQ(j["meta"]["billed_units"]["search_units"], 1);
}

TEST_F(Endpoints, TeiBareArraySortedWithTextAndRawScores) {
  auto res = post("/rerank", {{"query", "red fox"}, {"texts", kDocs}, {"return_text", true}, {"raw_scores", true},
                              {"truncate", true}, {"truncation_direction", "Left"}});
  ASSERT_EQ(res->status, 200) << res->body;
  const json j = parse(res->body);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["index"], 0);
  EXPECT_DOUBLE_EQ(j[0]["score"].get<double>(), 1.0);  // raw logit
  EXPECT_EQ(j[0]["text"], "a red fox");
  EXPECT_DOUBLE_EQ(j[1]["score"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j[2]["score"].get<double>(), -1.0);
  EXPECT_NE(res->body.find("\"score\":1.0"), std::string::npos);
}

TEST_F(Endpoints, MixedbreadAndLlamaCppAliasDispatchByField) {
  auto res = post("/v1/reranking", {{"model", "mixedbread-ai/mxbai-rerank-large-v1"}, {"query", "red fox"},
                                    {"input", {"a red fox", json{{"title", "blue sky"}}, "red car"}},
                                    {"top_k", 2}, {"return_input", true}});
  ASSERT_EQ(res->status, 200) << res->body;
  json j = parse(res->body);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["top_k"], 2);
  EXPECT_EQ(j["return_input"], true);
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["index"], 0);
  EXPECT_EQ(j["data"][0]["input"], "a red fox");
  EXPECT_EQ(j["data"][0]["object"], "rank_result");
  EXPECT_NEAR(j["data"][0]["score"].get<double>(), kSig1, 1e-12);
  EXPECT_GT(j["usage"]["total_tokens"].get<int>(), 0);

  // llama.cpp posts Jina-style documents to the same route.
  res = post("/v1/reranking", {{"query", "red fox"}, {"documents", kDocs}, {"top_n", 1}});
  ASSERT_EQ(res->status, 200) << res->body;
  j = parse(res->body);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["index"], 0);
}

TEST_F(Endpoints, RootRouteDispatchesByField) {
  auto res = post("/", {{"query", "red fox"}, {"texts", kDocs}});
  ASSERT_EQ(res->status, 200);
  EXPECT_TRUE(parse(res->body).is_array());
}

TEST_F(Endpoints, NullOptionalFieldsUnknownFieldsObjectsAndRankFields) {
  auto res = post("/v1/rerank", {{"query", "red fox"},
                                 {"documents", {json{{"text", "a red fox"}}, json{{"title", "red"}, {"body", "fox"}}}},
                                 {"max_chunks_per_doc", nullptr}, {"top_n", nullptr}, {"model", nullptr},
                                 {"return_documents", nullptr}, {"some_future_field", {{"x", 1}}},
                                 {"rank_fields", {"title", "body"}}});
  ASSERT_EQ(res->status, 200) << res->body;
  const json j = parse(res->body);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["document"]["title"], "red");  // objects come back as sent
}

TEST_F(Endpoints, ModelSelectionAndVendorAliases) {
  // The default (first) model is the word-count ranker: sigmoid scores in (0, 1).
  // Hosted APIs' default names stand for the default model (the server stands in for the API).
  for (const char* model : {"", "rerank-english-v3.0", "rerank-v3.5", "rerank-2", "jina-reranker-v2-base-multilingual",
                            "mixedbread-ai/mxbai-rerank-large-v1"}) {
    json body = {{"query", "red fox"}, {"documents", kDocs}};
    if (*model) body["model"] = model;
    auto res = post("/v1/rerank", body);
    ASSERT_EQ(res->status, 200) << model;
    EXPECT_EQ(parse(res->body)["model"], "word-count") << model;
  }
  auto res = post("/v1/rerank", {{"model", "bm25"}, {"query", "red fox"}, {"documents", kDocs}});
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(parse(res->body)["model"], "bm25");
  // An open-weight Hub id names specific weights: never answered by another model.
  for (const char* model : {"BAAI/bge-reranker-v2-m3", "cross-encoder/ms-marco-MiniLM-L6-v2", "my-model"}) {
    for (const char* route : {"/v1/rerank", "/v2/rerank"}) {
      res = post(route, {{"model", model}, {"query", "red fox"}, {"documents", kDocs}});
      EXPECT_EQ(res->status, 404) << model << " " << route << " " << res->body;
      EXPECT_NE(res->body.find("word-count"), std::string::npos) << res->body;  // lists what is loaded
      EXPECT_NE(res->body.find("bm25"), std::string::npos) << res->body;
    }
  }
}

TEST_F(Endpoints, EmptyDocumentListIsAnEmptyResult) {
  auto res = post("/v2/rerank", {{"query", "q"}, {"documents", json::array()}});
  ASSERT_EQ(res->status, 200);
  EXPECT_TRUE(parse(res->body)["results"].empty());
}

TEST_F(Endpoints, HealthReadyMetaModelsInfo) {
  auto c = handle_->client();
  auto res = c.Get("/health");
  ASSERT_EQ(res->status, 200);
  res = c.Get("/ready");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(parse(res->body)["status"], "ready");
  res = c.Get("/.well-known/ready");
  EXPECT_EQ(res->status, 204);
  res = c.Get("/.well-known/live");
  EXPECT_EQ(res->status, 204);
  res = c.Get("/meta");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(parse(res->body)["model"]["id"], "word-count");
  res = c.Get("/v1/models");
  ASSERT_EQ(res->status, 200);
  const json models = parse(res->body);
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][1]["id"], "bm25");
  res = c.Get("/info");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(parse(res->body)["model_id"], "word-count");
}

TEST_F(Endpoints, MetricsArePrometheusText) {
  ASSERT_EQ(post("/v1/rerank", {{"query", "red"}, {"documents", kDocs}})->status, 200);
  ASSERT_EQ(post("/v1/rerank", {{"query", 5}})->status, 400);
  auto c = handle_->client();
  // Requests are counted once their response is written, by the connection's own thread, so the
  // client can see either response before its count: poll until both show (CI saw the 400 first).
  const auto both_counted = [](const std::string& body) {
    return body.find("endpoint=\"/v1/rerank\",status=\"200\"} 1") != std::string::npos &&
           body.find("endpoint=\"/v1/rerank\",status=\"400\"} 1") != std::string::npos;
  };
  auto res = c.Get("/metrics");
  for (int i = 0; i < 200 && !both_counted(res->body); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    res = c.Get("/metrics");
  }
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& m = res->body;
  EXPECT_NE(m.find("rerank_http_requests_total{endpoint=\"/v1/rerank\",status=\"200\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("rerank_http_requests_total{endpoint=\"/v1/rerank\",status=\"400\"} 1"), std::string::npos);
  EXPECT_NE(m.find("# TYPE rerank_queue_seconds histogram"), std::string::npos);
  EXPECT_NE(m.find("rerank_tokenize_seconds_count{model=\"word-count\"} 1"), std::string::npos);
  EXPECT_NE(m.find("rerank_infer_seconds_bucket{model=\"word-count\",le=\"+Inf\"} 1"), std::string::npos);
  EXPECT_NE(m.find("rerank_batches_total{model=\"word-count\"} 1"), std::string::npos);
  EXPECT_NE(m.find("rerank_queue_depth{model=\"word-count\"} 0"), std::string::npos);
  EXPECT_NE(m.find("rerank_batch_tokens_count{model=\"word-count\"} 1"), std::string::npos);
}

TEST(ServeScores, RawScoresFlagAndBm25Rankers) {
  // --raw-scores: logits come back unchanged in every dialect.
  ServerOptions raw;
  raw.raw_scores = true;
  auto handle = start_server({{"word-count", std::make_shared<WordCountRanker>()}}, raw);
  auto c = handle->client();
  auto res = c.Post("/v2/rerank", json{{"query", "red fox"}, {"documents", kDocs}}.dump(), "application/json");
  ASSERT_EQ(res->status, 200);
  EXPECT_DOUBLE_EQ(parse(res->body)["results"][0]["relevance_score"].get<double>(), 1.0);
  // A BM25 (or API) ranker is never put through the sigmoid.
  auto pass = start_server({{"p", std::make_shared<WordCountRanker>(std::chrono::milliseconds(0), ScoreKind::Bm25)}});
  auto c2 = pass->client();
  res = c2.Post("/v1/rerank", json{{"query", "red fox"}, {"documents", kDocs}}.dump(), "application/json");
  ASSERT_EQ(res->status, 200);
  EXPECT_DOUBLE_EQ(parse(res->body)["results"][2]["relevance_score"].get<double>(), -1.0);
}

TEST(ServeAuth, BearerAndBareKeysAccepted) {
  ServerOptions options;
  options.api_key = "s3cret";
  auto handle = start_server({{"word-count", std::make_shared<WordCountRanker>()}}, options);
  auto c = handle->client();
  const std::string body = json{{"query", "red"}, {"documents", kDocs}}.dump();
  auto res = c.Post("/v1/rerank", body, "application/json");
  ASSERT_EQ(res->status, 401);
  EXPECT_TRUE(parse(res->body).contains("message"));
  res = c.Post("/v1/rerank", {{"Authorization", "Bearer wrong"}}, body, "application/json");
  EXPECT_EQ(res->status, 401);
  res = c.Post("/v1/rerank", {{"Authorization", "Bearer s3cret"}}, body, "application/json");
  EXPECT_EQ(res->status, 200);
  res = c.Post("/v1/rerank", {{"Authorization", "s3cret"}}, body, "application/json");
  EXPECT_EQ(res->status, 200);
  res = c.Post("/rerank", {{"Authorization", "bearer s3cret"}}, json{{"query", "q"}, {"texts", kDocs}}.dump(),
               "application/json");
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(c.Get("/v1/models")->status, 401);
  EXPECT_EQ(c.Get("/health")->status, 200);  // probes stay open
}

}  // namespace
}  // namespace rerank::serve::testing
