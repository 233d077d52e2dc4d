// Listwise answers -> permutations, table-driven: every answer gives a valid permutation of
// the window (each position once) and the repairs expected by rank_llm's rules
// (rankers/listwise/permutation.hpp). The expected orders are written out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "rankers/listwise/permutation.hpp"

namespace rerank::listwise {
namespace {

struct Case {
  const char* name;
  std::string answer;
  std::size_t window;
  std::vector<std::size_t> order;  // 1-based, as the answer names them
  std::size_t duplicates = 0, out_of_range = 0, missing = 0;
  bool unclosed_think = false, unparseable = false;
};

std::vector<Case> cases() {
  const std::string long_answer = [] {
    std::string s;
    for (int r = 0; r < 5000; ++r) s += "[" + std::to_string(20 - r % 20) + "] > ";
    return s;
  }();
  return {
      {"the format asked for", "[3] > [1] > [2]", 3, {3, 1, 2}},
      {"no brackets", "3 > 1 > 2", 3, {3, 1, 2}},
      {"commas", "3, 1, 2", 3, {3, 1, 2}},
      {"prose around the list", "Sure! The ranking is [2] > [3] > [1]. Hope this helps.", 3, {2, 3, 1}},
      {"empty answer", "", 3, {1, 2, 3}, 0, 0, 3},
      {"only prose", "I cannot rank these passages.", 3, {1, 2, 3}, 0, 0, 3},
      {"missing ids appended in input order", "[4] > [2]", 5, {4, 2, 1, 3, 5}, 0, 0, 3},
      {"duplicates keep the first place", "[2] > [1] > [2] > [3] > [1]", 3, {2, 1, 3}, 2},
      {"out of range dropped", "[7] > [2] > [0] > [1]", 3, {2, 1, 3}, 0, 2, 1},
      {"a huge number", "[123456789012345678901234] > [1]", 2, {1, 2}, 0, 1, 1},
      {"leading zeros are the same id", "[01] > [1] > [002]", 2, {1, 2}, 1},
      {"zero and double zero", "[0] > [00] > [2]", 2, {2, 1}, 1, 1, 1},
      {"ids glued together", "[1][2][3]", 3, {1, 2, 3}},
      {"a range is two ids", "1-3", 3, {1, 3, 2}, 0, 0, 1},
      {"decimals split", "2.1 > 1", 3, {2, 1, 3}, 1, 0, 1},
      {"closed think block ignored", "<think>maybe [3] > [1]</think>[2] > [1] > [3]", 3, {2, 1, 3}},
      {"last closing tag wins", "<think>a</think>[3]</think>[1] > [2]", 3, {1, 2, 3}, 0, 0, 1},
      {"unclosed think keeps input order", "<think>I think [3] > [1] > [2] is", 3, {1, 2, 3}, 0, 0, 3, true},
      {"closing tag without opening", "[3] reasoning</think> [2] > [3]", 3, {2, 3, 1}, 0, 0, 1},
      {"superscript digits", "[³] > [¹] > [²]", 3, {3, 1, 2}},
      {"subscript digits", "₂ > ₁", 2, {2, 1}},
      {"circled digits", "③ > ① > ②", 3, {3, 1, 2}},
      {"negative circled digits", "❷ > ❶", 2, {2, 1}},
      {"full-width digits", "［２］ > ［１］", 2, {2, 1}},
      {"arabic-indic digits", "[٢] > [١]", 2, {2, 1}},
      {"devanagari digits", "२ > १ > ३", 3, {2, 1, 3}},
      {"mathematical bold digits", "\xF0\x9D\x9F\x90 > \xF0\x9D\x9F\x8F", 2, {2, 1}},  // 𝟐 > 𝟏
      {"parenthesized digit: int() fails", "⑵ > [1]", 2, {1, 2}, 0, 0, 2, false, true},
      {"digit full stop: int() fails", "⒉ ⒈", 2, {1, 2}, 0, 0, 2, false, true},
      {"invalid UTF-8 separates", "[2]\xFF\xFE[1]", 2, {2, 1}},
      {"emoji and CJK prose", "最相关的是 [2] 🙂 然后 [1]", 2, {2, 1}},
      {"newlines and tabs", "[2]\n>\t[1]\r\n", 2, {2, 1}},
      {"negative numbers are numbers", "[-2] > [1]", 2, {2, 1}},
      {"a very long repeated answer", long_answer, 20,
       {20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 5000 - 20},
      {"window of one", "[1] > [2]", 1, {1}, 0, 1},
      {"window of zero", "[1]", 0, {}, 0, 1},
  };
}

TEST(ListwisePermutation, EveryAnswerGivesAValidPermutationAndItsRepairs) {
  const std::vector<Case> table = cases();
  ASSERT_GE(table.size(), 30u);
  for (const Case& c : table) {
    const Permutation p = parse_permutation(c.answer, c.window);
    std::vector<std::size_t> sorted = p.order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::size_t> all(c.window);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(sorted, all) << c.name << ": not a permutation of the window";
    std::vector<std::size_t> one_based;
    for (const std::size_t i : p.order) one_based.push_back(i + 1);
    std::vector<std::size_t> want = c.order;
    EXPECT_EQ(one_based, want) << c.name;
    EXPECT_EQ(p.repairs.duplicates, c.duplicates) << c.name;
    EXPECT_EQ(p.repairs.out_of_range, c.out_of_range) << c.name;
    EXPECT_EQ(p.repairs.missing, c.missing) << c.name;
    EXPECT_EQ(p.repairs.unclosed_think, c.unclosed_think) << c.name;
    EXPECT_EQ(p.repairs.unparseable, c.unparseable) << c.name;
  }
}

// FIRST's alphabetic identifiers: every letter is its code point minus 64, as rank_llm maps
// them, so "A" is 1 and lower case and other scripts fall out of range.
TEST(ListwisePermutation, AlphabeticIdentifiers) {
  Permutation p = parse_permutation("[C] > [A] > [B]", 3, true);
  EXPECT_EQ(p.order, (std::vector<std::size_t>{2, 0, 1}));
  p = parse_permutation("[b] > [A]", 2, true);  // 'b' is 98 - 64 = 34
  EXPECT_EQ(p.order, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(p.repairs.out_of_range, 1u);
  p = parse_permutation("AB > 1 > B", 12, true);  // "AB" reads as 12, digits separate
  EXPECT_EQ(p.order.front(), 11u);
  EXPECT_EQ(p.order[1], 1u);
}

}  // namespace
}  // namespace rerank::listwise
