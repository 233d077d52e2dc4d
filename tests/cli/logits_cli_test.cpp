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
