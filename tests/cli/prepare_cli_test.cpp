// `rerank prepare` shows the exact model input: on every cross-encoder fixture case (each
// with its max_length and truncation strategy) it gives the case's input_ids and, where the
// fixture has them, token_type_ids, which transformers' tokenizer produced, exactly.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace rerank::testing {
namespace {

class PrepareCli : public ::testing::TestWithParam<const char*> {};

TEST_P(PrepareCli, GivesEachFixtureCasesModelInputExactly) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  std::ifstream in(dir / "cases.json");
  const nlohmann::json cases = nlohmann::json::parse(in)["cases"];
  ASSERT_FALSE(cases.empty());
  for (const nlohmann::json& c : cases) {
    std::string input;
    for (const auto& pair : c["pairs"]) input += nlohmann::json{{"query", pair[0]}, {"document", pair[1]}}.dump() + "\n";
    const std::string args = "prepare -m " + dir.string() + " --max-length " +
                             std::to_string(c["max_length"].get<std::size_t>()) + " --truncation " +
                             c["truncation"].get<std::string>();
    const CommandResult r = run_cli(args, input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    std::size_t i = 0;
    while (std::getline(lines, line)) {
      ASSERT_LT(i, c["input_ids"].size());
      const nlohmann::json j = nlohmann::json::parse(line);
      EXPECT_EQ(j["input_ids"], c["input_ids"][i]) << GetParam() << " pair " << i;
      // XLM-R's tokenizer gives the model no token types (the fixture has none to compare).
      if (c.contains("token_type_ids") && !c["token_type_ids"].is_null()) {
        EXPECT_EQ(j["token_type_ids"], c["token_type_ids"][i]) << GetParam() << " pair " << i;
      }
      EXPECT_EQ(j["length"].get<std::size_t>(), c["input_ids"][i].size());
      EXPECT_EQ(j["tokens"].size(), c["input_ids"][i].size());
      ++i;
    }
    EXPECT_EQ(i, c["pairs"].size()) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PrepareCli,
                         ::testing::Values("bert-ce", "bert-ce-2label", "xlmr-ce", "electra-ce", "modernbert-ce"));

TEST(PrepareCliErrors, TypedErrorsForWhatHasNoModelInputOrIsNotJson) {
  const CommandResult bm25 = run_cli("prepare -m bm25", "{\"query\":\"q\",\"document\":\"d\"}\n");
  EXPECT_NE(bm25.exit_code, 0);
  EXPECT_NE(bm25.err.find("no local model"), std::string::npos) << bm25.err;
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  const CommandResult bad = run_cli("prepare -m " + dir.string(), "{not json\n");
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("line 1"), std::string::npos) << bad.err;
  const CommandResult too_long = run_cli("prepare -m " + dir.string() + " --max-length 8 --truncation only_second",
                                         "{\"query\":\"a b c d e f g h i j k l\",\"document\":\"d\"}\n");
  EXPECT_EQ(too_long.exit_code, 3) << too_long.err;
}

}  // namespace
}  // namespace rerank::testing
