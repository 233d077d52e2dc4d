// `rerank logits` on the t5-mono fixture: every templated text, tokenised by the model's
// tokenizer and truncated to its case's max_length, gives transformers' input_ids exactly
// and its first-step vocabulary logits within 1e-4; bad input is a typed error.
#include <algorithm>
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace rerank::testing {
namespace {

TEST(LogitsCli, T5FixtureTokensAndFirstStepLogits) {
  RERANK_REQUIRE_SHARED(dir, "reference/t5-mono");
  std::ifstream in(dir / "cases.json");
  const nlohmann::json cases = nlohmann::json::parse(in)["cases"];
  std::size_t checked = 0;
  for (const nlohmann::json& c : cases) {
    std::string input;
    for (const auto& text : c["texts"]) input += nlohmann::json{{"text", text}}.dump() + "\n";
    const CommandResult r =
        run_cli("logits -m " + dir.string() + " --max-length " + std::to_string(c["max_length"].get<int>()), input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    std::size_t i = 0;
    while (std::getline(lines, line)) {
      ASSERT_LT(i, c["texts"].size());
      const nlohmann::json j = nlohmann::json::parse(line);
      EXPECT_EQ(j["input_ids"], c["input_ids"][i]) << "max_length " << c["max_length"] << " text " << i;
      const auto got = j["logits"].get<std::vector<double>>();
      const auto want = c["first_step_logits"][i].get<std::vector<double>>();
      ASSERT_EQ(got.size(), want.size());
      double worst = 0;
      for (std::size_t k = 0; k < got.size(); ++k) worst = std::max(worst, std::fabs(got[k] - want[k]));
      EXPECT_LT(worst, 1e-4) << "text " << i;
      ++i;
      ++checked;
    }
    EXPECT_EQ(i, c["texts"].size());
  }
  EXPECT_GT(checked, 0u);
}

// Qwen3-Reranker prompts (chat markup included) cut to 300 tokens: transformers' ids exactly,
// the last position's vocabulary logits within 1e-4.
TEST(LogitsCli, Qwen3FixtureTokensAndLastLogits) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  std::ifstream in(dir / "cases.json");
  const nlohmann::json cases = nlohmann::json::parse(in)["cases"];
  std::string input;
  for (const nlohmann::json& c : cases) input += nlohmann::json{{"text", c["text"]}}.dump() + "\n";
  const CommandResult r = run_cli("logits -m " + dir.string() + " --max-length 300", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::size_t i = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(i, cases.size());
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j["input_ids"], cases[i]["input_ids"]) << "case " << i;
    const auto got = j["logits"].get<std::vector<double>>();
    const auto want = cases[i]["last_logits"].get<std::vector<double>>();
    ASSERT_EQ(got.size(), want.size());
    double worst = 0;
    for (std::size_t k = 0; k < got.size(); ++k) worst = std::max(worst, std::fabs(got[k] - want[k]));
    EXPECT_LT(worst, 1e-4) << "case " << i;
    ++i;
  }
  EXPECT_EQ(i, cases.size());
}

TEST(LogitsCli, TypedErrors) {
  RERANK_REQUIRE_SHARED(dir, "reference/t5-mono");
  const CommandResult bad = run_cli("logits -m " + dir.string(), "{not json\n");
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("line 1"), std::string::npos) << bad.err;
  const CommandResult no_text = run_cli("logits -m " + dir.string(), "{\"query\":\"q\"}\n");
  EXPECT_EQ(no_text.exit_code, 3) << no_text.err;
  const CommandResult bm25 = run_cli("logits -m bm25", "{\"text\":\"q\"}\n");
  EXPECT_NE(bm25.exit_code, 0);
}

}  // namespace
}  // namespace rerank::testing

namespace rerank::testing {
namespace {

// `rerank rank` with a t5 checkpoint scores each document l_true - l_false at the first
// decoder step of the monoT5 template: the same numbers `rerank logits` gives for the
// templated texts. The fixture's reduced vocabulary has no ▁true/▁false, so the tokens are
// overridden (as the recipe allows); without the override the error names the token.
TEST(T5RankCli, ScoresAreTrueMinusFalseLogitsOfTheTemplatedText) {
  RERANK_REQUIRE_SHARED(dir, "reference/t5-mono");
  const std::string query = "what causes insulin resistance";
  std::vector<std::string> docs;
  for (int i = 0; i < 10; ++i) {
    docs.push_back("Document number " + std::to_string(i) + " says insulin " + std::string(i % 3 == 0 ? "and obesity " : "") +
                   "matter" + std::string(static_cast<std::size_t>(i), '!'));
  }
  TempDir tmp;
  std::string lines, texts;
  for (const std::string& d : docs) {
    lines += d + "\n";
    texts += nlohmann::json{{"text", "Query: " + query + " Document: " + d + " Relevant:"}}.dump() + "\n";
  }
  write_file(tmp / "docs.txt", lines);
  const std::string tokens = " --param true_token=\xE2\x96\x81see --param false_token=\xE2\x96\x81thought";
  const CommandResult ranked = run_cli("rank -m " + dir.string() + " -q \"" + query + "\" -d " +
                                           (tmp / "docs.txt").string() + " --docs-format lines -f jsonl" + tokens,
                                       "");
  ASSERT_EQ(ranked.exit_code, 0) << ranked.err;
  const CommandResult logits = run_cli("logits -m " + dir.string(), texts);
  ASSERT_EQ(logits.exit_code, 0) << logits.err;
  // Token ids of ▁see / ▁thought in the fixture's vocabulary (tokenizer.json's Unigram list).
  std::ifstream tok(dir / "tokenizer.json");
  const auto vocab = nlohmann::json::parse(tok)["model"]["vocab"];
  std::size_t see = 0, thought = 0;
  for (std::size_t i = 0; i < vocab.size(); ++i) {
    if (vocab[i][0] == "\xE2\x96\x81see") see = i;
    if (vocab[i][0] == "\xE2\x96\x81thought") thought = i;
  }
  ASSERT_GT(see, 0u);
  ASSERT_GT(thought, 0u);
  std::vector<double> expected;
  std::istringstream ll(logits.out);
  for (std::string line; std::getline(ll, line);) {
    const auto l = nlohmann::json::parse(line)["logits"];
    expected.push_back(l[see].get<double>() - l[thought].get<double>());
  }
  ASSERT_EQ(expected.size(), docs.size());
  std::istringstream rl(ranked.out);
  std::size_t seen = 0;
  for (std::string line; std::getline(rl, line);) {
    const auto r = nlohmann::json::parse(line);
    EXPECT_NEAR(r["score"].get<double>(), expected[r["index"].get<std::size_t>()], 1e-5);
    ++seen;
  }
  EXPECT_EQ(seen, docs.size());

  const CommandResult missing = run_cli("rank -m " + dir.string() + " -q q -d " + (tmp / "docs.txt").string() +
                                            " --docs-format lines",
                                        "");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("true_token"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace rerank::testing
