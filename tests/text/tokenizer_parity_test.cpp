// Parity with Hugging Face tokenizers on ../shared/reference: every case of the tokenizer
// fixtures (ids, tokens, code point offsets, type ids, truncation errors) and the input_ids
// of every model fixture.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "support/test_support.hpp"
#include "text/tokenizer.hpp"

namespace rerank::text {
namespace {

using nlohmann::json;

std::vector<std::pair<std::size_t, std::size_t>> offsets_of(const json& j) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const auto& o : j) out.emplace_back(o.at(0).get<std::size_t>(), o.at(1).get<std::size_t>());
  return out;
}

// Code point offsets per sequence, specials left at (0, 0), as Python tokenizers reports them.
std::vector<std::pair<std::size_t, std::size_t>> char_offsets(const Encoding& e, std::string_view a,
                                                              std::string_view b = {}) {
  std::vector<std::pair<std::size_t, std::size_t>> out = e.offsets;
  for (int seq = 0; seq < 2; ++seq) {
    std::vector<std::pair<std::size_t, std::size_t>> mine;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < e.size(); ++i)
      if (e.sequence_ids[i] == static_cast<std::uint32_t>(seq)) {
        mine.push_back(e.offsets[i]);
        where.push_back(i);
      }
    const auto conv = to_char_offsets(seq == 0 ? a : b, mine);
    for (std::size_t k = 0; k < where.size(); ++k) out[where[k]] = conv[k];
  }
  return out;
}

TruncationOptions trunc(std::size_t max_length, const std::string& strategy) {
  TruncationOptions t;
  t.max_length = max_length;
  t.strategy = parse_truncation_strategy(strategy);
  return t;
}

class TokenizerFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerFixture, SinglesMatchReference) {
  RERANK_REQUIRE_SHARED(dir, "reference/tokenizers/" + GetParam());
  const auto tok = Tokenizer::from_directory(dir);
  const json cases = rerank::testing::read_json(dir / "cases.json");
  int checked = 0;
  for (const auto& c : cases.at("singles")) {
    const std::string text = c.at("text").get<std::string>();
    const Encoding e = tok->encode(text);
    SCOPED_TRACE("text: " + text);
    EXPECT_EQ(e.ids, c.at("input_ids").get<std::vector<std::int32_t>>());
    EXPECT_EQ(e.tokens, c.at("tokens").get<std::vector<std::string>>());
    EXPECT_EQ(char_offsets(e, text), offsets_of(c.at("offsets")));
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_P(TokenizerFixture, PairsMatchReference) {
  RERANK_REQUIRE_SHARED(dir, "reference/tokenizers/" + GetParam());
  const auto tok = Tokenizer::from_directory(dir);
  const json cases = rerank::testing::read_json(dir / "cases.json");
  int checked = 0;
  for (const auto& c : cases.at("pairs")) {
    const std::string q = c.at("query").get<std::string>(), d = c.at("doc").get<std::string>();
    const auto t = trunc(c.at("max_length").get<std::size_t>(), c.at("truncation").get<std::string>());
    SCOPED_TRACE("query: " + q + " | truncation " + c.at("truncation").get<std::string>());
    if (c.contains("error")) {
      EXPECT_THROW(tok->encode_pair(q, d, true, t), Error);
      ++checked;
      continue;
    }
    const Encoding e = tok->encode_pair(q, d, true, t);
    EXPECT_EQ(e.ids, c.at("input_ids").get<std::vector<std::int32_t>>());
    EXPECT_EQ(e.type_ids, c.at("token_type_ids").get<std::vector<std::int32_t>>());
    // The ranker path: encode once, combine many times.
    const Encoding e2 = tok->combine(tok->encode_raw(q), tok->encode_raw(d), true, t);
    EXPECT_EQ(e2.ids, e.ids);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Reference, TokenizerFixture,
                         ::testing::Values("bert-uncased", "xlmr-unigram", "t5-unigram", "gpt2-bpe", "qwen-bpe"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

class CrossEncoderFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(CrossEncoderFixture, InputIdsMatchReference) {
  RERANK_REQUIRE_SHARED(dir, "reference/" + GetParam());
  const auto tok = Tokenizer::from_directory(dir);
  const json cases = rerank::testing::read_json(dir / "cases.json");
  int checked = 0;
  for (const auto& c : cases.at("cases")) {
    const auto t = trunc(c.at("max_length").get<std::size_t>(), c.at("truncation").get<std::string>());
    const auto& pairs = c.at("pairs");
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const std::string q = pairs[i].at(0).get<std::string>(), d = pairs[i].at(1).get<std::string>();
      SCOPED_TRACE("pair " + std::to_string(i) + ": " + q);
      const Encoding e = tok->encode_pair(q, d, true, t);
      EXPECT_EQ(e.ids, c.at("input_ids").at(i).get<std::vector<std::int32_t>>());
      if (!c.at("token_type_ids").is_null()) {
        EXPECT_EQ(e.type_ids, c.at("token_type_ids").at(i).get<std::vector<std::int32_t>>());
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Reference, CrossEncoderFixture,
                         ::testing::Values("bert-ce", "bert-ce-2label", "xlmr-ce", "electra-ce", "modernbert-ce",
                                           "deberta-v2-ce"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

TEST(TokenizerParity, T5MonoTexts) {
  RERANK_REQUIRE_SHARED(dir, "reference/t5-mono");
  const auto tok = Tokenizer::from_directory(dir);
  const json cases = rerank::testing::read_json(dir / "cases.json");
  int checked = 0;
  for (const auto& c : cases.at("cases")) {
    const auto t = trunc(c.at("max_length").get<std::size_t>(), "longest_first");
    for (std::size_t i = 0; i < c.at("texts").size(); ++i) {
      const std::string text = c.at("texts").at(i).get<std::string>();
      SCOPED_TRACE(text);
      EXPECT_EQ(tok->encode(text, true, t).ids, c.at("input_ids").at(i).get<std::vector<std::int32_t>>());
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(TokenizerParity, Qwen3PointwiseTexts) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const auto tok = Tokenizer::from_directory(dir);
  const json cases = rerank::testing::read_json(dir / "cases.json");
  int checked = 0;
  for (const auto& c : cases.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    SCOPED_TRACE(text);
    EXPECT_EQ(tok->encode(text, true, trunc(300, "longest_first")).ids,
              c.at("input_ids").get<std::vector<std::int32_t>>());
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(TokenizerParity, ColbertTexts) {
  RERANK_REQUIRE_SHARED(dir, "reference/colbert");
  const auto tok = Tokenizer::from_directory(dir);
  const json cases = rerank::testing::read_json(dir / "cases.json");
  int checked = 0;
  for (const auto& c : cases.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    SCOPED_TRACE(text);
    EXPECT_EQ(tok->encode(text, true, trunc(180, "longest_first")).ids,
              c.at("input_ids").get<std::vector<std::int32_t>>());
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace rerank::text
