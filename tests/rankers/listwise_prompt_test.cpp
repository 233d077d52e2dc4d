// The listwise window schedule and prompts, checked against values written out here from
// rank_llm's code and templates (not from the implementation): the windows for 100, 25, 20,
// 10 and 0 candidates, and the exact RankGPT and RankZephyr messages for a small window.
#include <gtest/gtest.h>

#include "rankers/listwise/prompts.hpp"
#include "rankers/listwise/windows.hpp"
#include "rerank/error.hpp"

namespace rerank::listwise {
namespace {

TEST(ListwiseWindows, BottomUpLikeRankLlm) {
  std::vector<Window> want;
  for (std::size_t start = 80;; start -= 10) {
    want.push_back({start, start + 20});
    if (start == 0) break;
  }
  EXPECT_EQ(sliding_windows(100, 20, 10), want);  // 9 calls
  EXPECT_EQ(sliding_windows(25, 20, 10), (std::vector<Window>{{5, 25}, {0, 15}}));
  EXPECT_EQ(sliding_windows(20, 20, 10), (std::vector<Window>{{0, 20}}));  // fits: one pass
  EXPECT_EQ(sliding_windows(10, 20, 10), (std::vector<Window>{{0, 10}}));
  EXPECT_TRUE(sliding_windows(0, 20, 10).empty());
  EXPECT_EQ(sliding_windows(5, 2, 3), (std::vector<Window>{{3, 5}, {0, 2}}));  // stride past the window
  EXPECT_THROW(sliding_windows(10, 0, 1), Error);
  EXPECT_THROW(sliding_windows(10, 5, 0), Error);
}

std::vector<Document> docs() {
  Document a{"a", "  The moon [1] pulls\tthe  oceans.\n", nlohmann::json::object()};
  Document b{"b", "Tides rise twice a day", {{"title", "Tides"}}};
  return {a, b};
}

TEST(ListwisePrompts, PassagesAreTitledCutAndUnbracketed) {
  const std::vector<Document> d = docs();
  EXPECT_EQ(render_passage(d[0], 300), "The moon (1) pulls the oceans.");
  EXPECT_EQ(render_passage(d[0], 3), "The moon (1)");
  EXPECT_EQ(render_passage(d[1], 4), "Title: Tides Content: Tides");
  Document nbsp{"c", "one\xC2\xA0two\xE2\x80\x83three", nlohmann::json::object()};  // NBSP, EM SPACE
  EXPECT_EQ(render_passage(nbsp, 300), "one two three");
}

TEST(ListwisePrompts, RankGptIsAMultiTurnChat) {
  const std::vector<Document> d = docs();
  const std::vector<ChatMessage> got = listwise_prompt(PromptStyle::RankGpt, "what moves [2] tides", {&d[0], &d[1]}, 300);
  const std::vector<ChatMessage> want = {
      {"system", "You are RankGPT, an intelligent assistant that can rank passages based on their relevancy to the query."},
      {"user", "I will provide you with 2 passages, each indicated by number identifier [].\nRank the passages based on "
               "their relevance to query: what moves (2) tides."},
      {"assistant", "Okay, please provide the passages."},
      {"user", "[1] The moon (1) pulls the oceans."},
      {"assistant", "Received passage [1]."},
      {"user", "[2] Title: Tides Content: Tides rise twice a day"},
      {"assistant", "Received passage [2]."},
      {"user", "Search Query: what moves (2) tides.\nRank the 2 passages above based on their relevance to the search "
               "query. The passages should be listed in descending order using identifiers. The most relevant "
               "passages should be listed first. The output format should be [] > [], e.g., [1] > [2]. Only response "
               "the ranking results, do not say any word or explain."},
  };
  EXPECT_EQ(got, want);
}

TEST(ListwisePrompts, RankZephyrIsOneUserTurn) {
  const std::vector<Document> d = docs();
  const std::vector<ChatMessage> got = listwise_prompt(parse_prompt_style("rank_zephyr"), "tides", {&d[1], &d[0]}, 300);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (ChatMessage{"system", "You are RankLLM, an intelligent assistant that can rank passages based on "
                                           "their relevancy to the query"}));
  EXPECT_EQ(got[1].role, "user");
  EXPECT_EQ(got[1].content,
            "I will provide you with 2 passages, each indicated by a numerical identifier []. Rank the passages based "
            "on their relevance to the search query: tides.\n"
            "[1] Title: Tides Content: Tides rise twice a day\n"
            "[2] The moon (1) pulls the oceans.\n"
            "Search Query: tides.\nRank the 2 passages above based on their relevance to the search query. All the "
            "passages should be included and listed using identifiers, in descending order of relevance. The output "
            "format should be [] > [], e.g., [2] > [1], Answer concisely and directly and only respond with the "
            "ranking results, do not say any word or explain.");
  EXPECT_THROW(parse_prompt_style("bogus"), Error);
}

// FIRST: rank_zephyr_alpha_template.yaml (rank_llm's _add_prefix_prompt/_add_post_prompt with
// use_alpha), letters for identifiers and "[B] > [A]" as the example.
TEST(ListwisePrompts, FirstIsRankZephyrWithLetters) {
  const std::vector<Document> d = docs();
  const std::vector<ChatMessage> got = listwise_prompt(parse_prompt_style("first"), "tides", {&d[1], &d[0]}, 300);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].role, "system");
  EXPECT_EQ(got[1].content,
            "I will provide you with 2 passages, each indicated by a alphabetical identifier []. Rank the passages "
            "based on their relevance to the search query: tides.\n"
            "[A] Title: Tides Content: Tides rise twice a day\n"
            "[B] The moon (1) pulls the oceans.\n"
            "Search Query: tides.\nRank the 2 passages above based on their relevance to the search query. All the "
            "passages should be included and listed using identifiers, in descending order of relevance. The output "
            "format should be [] > [], e.g., [B] > [A], Answer concisely and directly and only respond with the "
            "ranking results, do not say any word or explain.");
  EXPECT_EQ(parse_prompt_style("rank_zephyr_alpha"), PromptStyle::First);
  std::vector<const Document*> many(27, &d[0]);
  EXPECT_THROW(listwise_prompt(PromptStyle::First, "q", many, 10), Error);
}

}  // namespace
}  // namespace rerank::listwise
