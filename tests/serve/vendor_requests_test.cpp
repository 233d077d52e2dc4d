// The server's dialects against requests as the vendors publish them (tests/data/vendors:
// TEI's quick tour and OpenAPI examples, llama.cpp's own server tests, Jina's and Cohere's
// API examples), not only against the project's own client: each is parsed on the routes
// such a client uses, and the response is checked against the vendor's published response
// shape (every key the vendor sends, with the same JSON type), so a client written against
// the vendor's example can read ours.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "serve/dialects.hpp"
#include "serve/http_errors.hpp"
#include "serve/request_parser.hpp"
#include "serve/score_rule.hpp"
#include "support/test_support.hpp"

namespace rerank::serve {
namespace {

using nlohmann::json;
using rerank::testing::read_file;
using rerank::testing::source_dir;

std::string vendor_text(const std::string& relative) {
  return read_file(source_dir() / "tests" / "data" / "vendors" / relative);
}
json vendor_json(const std::string& relative) { return json::parse(vendor_text(relative)); }

// Parses `body` on `route`, scores document i as (i + 1) / 10 (distinct, in (0, 1)) and
// renders the response in the request's dialect.
json respond(const std::string& route, const std::string& body, RerankCall* parsed = nullptr) {
  RerankCall call = parse_rerank_request(route, body);
  Scores scores;
  for (std::size_t i = 0; i < call.documents.size(); ++i) scores.values.push_back(static_cast<double>(i + 1) / 10);
  const RerankOutcome outcome = make_outcome(call, scores, ScoreKind::Bm25, false, 7, "bm25");
  if (parsed) *parsed = call;
  switch (call.dialect) {
    case Dialect::CohereV2: return render_cohere_v2(call, outcome);
    case Dialect::Tei: return render_tei(call, outcome);
    case Dialect::Mixedbread: return render_mixedbread(call, outcome);
    default: return render_cohere_v1(call, outcome);
  }
}

std::string kind(const json& v) { return v.is_number_integer() ? "integer" : v.type_name(); }

bool same_kind(const json& ours, const json& theirs) {
  if (theirs.is_number_integer()) return ours.is_number_integer();
  if (theirs.is_number()) return ours.is_number();
  return ours.type() == theirs.type();
}

// Every key of the vendor's example is in ours with the same kind of value (recursively;
// each element of our arrays against the vendor's first one). `ignored` lists paths the
// server deliberately leaves out. Returns the differences, one per line.
void compare_shape(const json& ours, const json& theirs, const std::string& path,
                   const std::vector<std::string>& ignored, std::string* problems) {
  for (const std::string& skip : ignored) {
    if (path == skip) return;
  }
  if (!same_kind(ours, theirs)) {
    *problems += path + ": ours is " + kind(ours) + ", the vendor's " + kind(theirs) + "\n";
    return;
  }
  if (theirs.is_object()) {
    for (const auto& [key, value] : theirs.items()) {
      const std::string child = path + "." + key;
      if (!ours.contains(key)) {
        bool skip = false;
        for (const std::string& s : ignored) skip = skip || s == child;
        if (!skip) *problems += child + ": missing\n";
        continue;
      }
      compare_shape(ours[key], value, child, ignored, problems);
    }
  } else if (theirs.is_array() && !theirs.empty()) {
    if (ours.empty()) *problems += path + ": empty, the vendor's is not\n";
    for (std::size_t i = 0; i < ours.size(); ++i) compare_shape(ours[i], theirs[0], path + "[]", ignored, problems);
  }
}

std::string shape_problems(const json& ours, const json& theirs, const std::vector<std::string>& ignored = {}) {
  std::string problems;
  compare_shape(ours, theirs, "$", ignored, &problems);
  return problems;
}

// The TEI OpenAPI `Rank`: required index and score; text only with return_text.
const json kTeiRank = json::array({{{"index", 0}, {"score", 1.0}}});

TEST(VendorRequests, TeiQuickTourRequestGetsTeisRankArray) {
  RerankCall call;
  const json out = respond("/rerank", vendor_text("tei/rerank_request.json"), &call);
  EXPECT_EQ(call.dialect, Dialect::Tei);
  ASSERT_EQ(call.documents.size(), 2u);
  EXPECT_EQ(call.documents[1].text, "Deep learning is...");
  EXPECT_EQ(shape_problems(out, kTeiRank), "");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["index"], 1);  // sorted by score, as TEI sorts
  EXPECT_FALSE(out[0].contains("text"));
  // POST / is the same route for TEI clients that replace the path.
  EXPECT_EQ(respond("/", vendor_text("tei/rerank_request.json")), out);
}

TEST(VendorRequests, TeiOpenApiExampleWithCapitalisedDirectionAndReturnText) {
  RerankCall call;
  json request = vendor_json("tei/rerank_request_openapi.json");
  const json out = respond("/rerank", request.dump(), &call);  // "truncation_direction": "Right"
  EXPECT_FALSE(call.options.truncate_left);
  EXPECT_FALSE(call.options.truncate);
  EXPECT_EQ(shape_problems(out, kTeiRank), "");
  request["truncation_direction"] = "Left";
  request["return_text"] = true;
  const json with_text = respond("/rerank", request.dump(), &call);
  EXPECT_TRUE(call.options.truncate_left);
  EXPECT_EQ(shape_problems(with_text, vendor_json("tei/rerank_response_openapi.json")), "");
  EXPECT_EQ(with_text[0]["text"], "Deep Learning is ...");
}

// What llama.cpp's tools/server/tests/unit/test_rerank.py asserts of its own server.
TEST(VendorRequests, LlamaCppServerTestRequestsOnEveryRerankRoute) {
  const std::string body = vendor_text("llamacpp/rerank_request.json");
  for (const char* route : {"/rerank", "/v1/rerank", "/v1/reranking"}) {
    SCOPED_TRACE(route);
    const json out = respond(route, body);
    ASSERT_TRUE(out.contains("results")) << out.dump();
    ASSERT_EQ(out["results"].size(), 4u);
    for (const json& r : out["results"]) {
      EXPECT_TRUE(r["index"].is_number_integer());
      EXPECT_TRUE(r["relevance_score"].is_number_float());
    }
    EXPECT_EQ(out["usage"]["prompt_tokens"], out["usage"]["total_tokens"]);
  }
  // Its TEI-format request: "texts" on /rerank gets the bare array.
  json tei = json::parse(body);
  tei["texts"] = tei["documents"];
  tei.erase("documents");
  const json array = respond("/rerank", tei.dump());
  ASSERT_TRUE(array.is_array()) << array.dump();
  EXPECT_EQ(array.size(), 4u);
  // top_n: None -> all, 2 -> 2, 4 -> 4, 99 -> all.
  for (const auto& [top_n, expected] : std::vector<std::pair<int, std::size_t>>{{2, 2}, {4, 4}, {99, 4}}) {
    json limited = json::parse(body);
    limited["top_n"] = top_n;
    EXPECT_EQ(respond("/rerank", limited.dump())["results"].size(), expected) << top_n;
    tei["top_n"] = top_n;
    EXPECT_EQ(respond("/rerank", tei.dump()).size(), expected) << top_n;
  }
}

// llama.cpp's test_invalid_rerank_req: each is a 400 whose body has "error".
TEST(VendorRequests, LlamaCppInvalidDocumentsAreClientErrorsWithAnErrorBody) {
  for (const char* documents : {"null", "123", "[1, 2, 3]"}) {
    SCOPED_TRACE(documents);
    const std::string body = std::string(R"({"query": "Machine learning is", "documents": )") + documents + "}";
    try {
      respond("/rerank", body);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      const HttpError http = to_http_error(e, Phase::Parse);
      EXPECT_EQ(http.status / 100, 4) << http.status;
      EXPECT_TRUE(json::parse(error_body(route_dialect("/rerank"), http)).contains("error"));
    }
  }
}

// A TEI client reads {"error", "error_type"} (TEI's OpenAPI ErrorResponse) from our errors.
TEST(VendorRequests, TeiErrorsHaveTeisErrorShape) {
  try {
    respond("/rerank", R"({"query": "What is Deep Learning?", "texts": 123})");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    const json body = json::parse(error_body(Dialect::Tei, to_http_error(e, Phase::Parse)));
    EXPECT_EQ(shape_problems(body, vendor_json("tei/error_413_validation.json")), "") << body.dump();
  }
}

TEST(VendorRequests, JinaApiExampleGetsJinasResponseShape) {
  RerankCall call;
  const json out = respond("/v1/rerank", vendor_text("jina/rerank_request.json"), &call);
  EXPECT_EQ(call.model, "jina-reranker-v2-base-multilingual");
  EXPECT_EQ(call.top_n, 3u);
  // Jina's return_documents defaults to true, so its example carries document.text: ours too.
  EXPECT_EQ(shape_problems(out, vendor_json("jina/rerank_response.json")), "");
  EXPECT_EQ(out["results"][0]["document"]["text"], call.documents[out["results"][0]["index"].get<std::size_t>()].text);
}

TEST(VendorRequests, CohereV2ApiExampleGetsCoheresResponseShape) {
  RerankCall call;
  const json out = respond("/v2/rerank", vendor_text("cohere/rerank_v2_request.json"), &call);
  EXPECT_EQ(call.dialect, Dialect::CohereV2);
  ASSERT_EQ(call.documents.size(), 5u);
  // is_experimental is informational (always false on released versions); the server omits it.
  EXPECT_EQ(shape_problems(out, vendor_json("cohere/rerank_v2_response.json"), {"$.meta.api_version.is_experimental"}),
            "");
  EXPECT_EQ(out["results"].size(), 3u);
}

// The shape check itself fails on the differences it exists to find.
TEST(VendorRequests, ShapeCheckReportsMissingKeysAndWrongTypes) {
  const json vendor = vendor_json("jina/rerank_response.json");
  json ours = vendor;
  ours["results"][1].erase("relevance_score");
  ours["usage"]["total_tokens"] = 815.5;
  EXPECT_EQ(shape_problems(ours, vendor),
            "$.results[].relevance_score: missing\n$.usage.total_tokens: ours is number, the vendor's integer\n");
}

}  // namespace
}  // namespace rerank::serve
