// `rerank tokenize`: JSONL in, one JSON line per input (code point offsets), error lines.
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"
#include "support/toy_wordpiece.hpp"

namespace rerank::text {
namespace {

using nlohmann::json;

std::vector<json> json_lines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  return lines;
}

TEST(TokenizeCli, MatchesReferenceCasesAndReportsErrors) {
  RERANK_REQUIRE_SHARED(dir, "reference/tokenizers/xlmr-unigram");
  const json cases = json::parse(testing::read_file(dir / "cases.json"));
  const json& single = cases.at("singles").at(21);  // accented text: offsets in code points
  json pair_case;
  json error_case;
  for (const auto& p : cases.at("pairs")) {
    if (p.contains("error") && error_case.is_null()) error_case = p;
    if (!p.contains("error") && p.at("truncation") == "only_second") pair_case = p;
  }
  ASSERT_FALSE(pair_case.is_null());
  ASSERT_FALSE(error_case.is_null());

  // Without --max-length nothing is truncated; the single case has no truncation anyway.
  std::string input = json{{"text", single.at("text")}}.dump() + "\n";
  input += "{not json\n";
  input += json{{"pair", "no text field"}}.dump() + "\n";
  auto r = testing::run_cli("tokenize --tokenizer " + dir.string(), input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].at("ids"), single.at("input_ids"));
  EXPECT_EQ(lines[0].at("tokens"), single.at("tokens"));
  EXPECT_EQ(lines[0].at("offsets"), single.at("offsets"));
  EXPECT_EQ(lines[0].at("type_ids").size(), single.at("input_ids").size());
  EXPECT_TRUE(lines[1].contains("error"));
  EXPECT_TRUE(lines[2].contains("error"));

  // Pairs with only_second truncation: ids and type ids as the reference; impossible -> error.
  const std::string max_len = std::to_string(pair_case.at("max_length").get<int>());
  input = json{{"text", pair_case.at("query")}, {"pair", pair_case.at("doc")}}.dump() + "\n" +
          json{{"text", error_case.at("query")}, {"pair", error_case.at("doc")}}.dump() + "\n";
  r = testing::run_cli("tokenize --tokenizer " + dir.string() + " --max-length " + max_len +
                           " --truncation only_second",
                       input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].at("ids"), pair_case.at("input_ids"));
  EXPECT_EQ(lines[0].at("type_ids"), pair_case.at("token_type_ids"));
  EXPECT_TRUE(lines[1].contains("error"));

  // --no-special-tokens drops <s> and </s>.
  r = testing::run_cli("tokenize --no-special-tokens --tokenizer " + dir.string(), json{{"text", "Hello"}}.dump());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  for (const auto& id : lines[0].at("ids")) EXPECT_NE(id.get<int>(), 0);
}

TEST(TokenizeCli, MissingTokenizerIsAModelError) {
  testing::TempDir tmp;
  const auto r = testing::run_cli("tokenize --tokenizer " + (tmp / "nothing").string(), "{\"text\": \"x\"}\n");
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
}

TEST(TokenizeCli, BadTruncationIsAUsageError) {
  testing::TempDir tmp;
  const auto r = testing::run_cli("tokenize --tokenizer " + tmp.path().string() + " --truncation sideways", "");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

}  // namespace
}  // namespace rerank::text

namespace rerank::text {
namespace {

// --truncation-side and --stride reach the one truncation rule: the early-exit case of
// truncation_test.cpp (the document gets the odd token), from the left, and a stride the
// reference refuses.
TEST(TokenizeCli, TruncationSideAndStride) {
  using namespace testing::toy;
  testing::TempDir dir;
  testing::write_file(dir / "tokenizer.json", wordpiece_json().dump());
  const std::string input = json{{"text", words("a", 12)}, {"pair", "zzz " + words("x", 7)}}.dump() + "\n";
  auto r = testing::run_cli("tokenize --tokenizer " + dir.path().string() +
                                " --max-length 8 --truncation-side left --stride 1",
                            input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("ids"), (json{CLS, A, A, SEP, X, X, X, SEP}));
  r = testing::run_cli("tokenize --tokenizer " + dir.path().string() + " --max-length 8 --stride 2", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].value("error", "").find("stride"), std::string::npos) << lines[0].dump();
  EXPECT_EQ(testing::run_cli("tokenize --tokenizer " + dir.path().string() + " --truncation-side up", "").exit_code, 2);
}

}  // namespace
}  // namespace rerank::text
