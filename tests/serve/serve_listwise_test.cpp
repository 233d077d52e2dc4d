// `rerank serve` with a listwise LLM behind a fake chat server: the Cohere-style answer follows
// the LLM's order, with positional scores, and the endpoint is called once per window.
#include <gtest/gtest.h>

#include "serve_test_support.hpp"
#include "support/fake_chat_server.hpp"

namespace rerank::serve {
namespace {

using testing::parse;
using testing::start_server;

TEST(ServeListwise, RerankFollowsTheLlmsOrder) {
  ::rerank::testing::FakeChatServer chat([](std::size_t, const nlohmann::json& body) {
    return std::pair{200, ::rerank::testing::reversed_ranking(::rerank::testing::passages_in(body))};
  });
  LoadOptions options;
  options.endpoint = chat.base();
  options.params = {{"model", "my-llm"}};
  auto handle = start_server({{"rankgpt", std::shared_ptr<const Ranker>(load("rankgpt", options))}});
  auto c = handle->client();
  const auto res = c.Post("/v2/rerank", R"({"model":"rankgpt","query":"tides","documents":["a","b","c"]})",
                          "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto j = parse(res->body);
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][0]["index"], 2);
  EXPECT_EQ(j["results"][2]["index"], 0);
  EXPECT_DOUBLE_EQ(j["results"][0]["relevance_score"].get<double>(), 1.0);
  EXPECT_EQ(chat.requests().size(), 1u);
}

}  // namespace
}  // namespace rerank::serve
