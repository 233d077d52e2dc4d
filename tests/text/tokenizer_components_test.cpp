// Behaviour of the tokenizer components on small tokenizer.json documents: split behaviours,
// added-token stripping and matching, truncation, invalid UTF-8, Metaspace forms, threads.
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "text/normalized_string.hpp"
#include "text/tokenizer.hpp"

namespace rerank::text {
namespace {

using nlohmann::json;

// A WordPiece tokenizer: Bert normalizer and pre-tokenizer, [CLS] A [SEP] B [SEP].
json bert_like() {
  json vocab = {{"[UNK]", 0}, {"[CLS]", 1}, {"[SEP]", 2}, {"<mask>", 3}, {"a", 4}, {"b", 5},
                {"##b", 6},   {"c", 7},     {"ab", 8},    {"!", 9},      {"hello", 10}};
  return {{"added_tokens",
           {{{"id", 0}, {"content", "[UNK]"}, {"special", true}, {"lstrip", false}, {"rstrip", false},
             {"single_word", false}, {"normalized", false}},
            {{"id", 1}, {"content", "[CLS]"}, {"special", true}, {"lstrip", false}, {"rstrip", false},
             {"single_word", false}, {"normalized", false}},
            {{"id", 2}, {"content", "[SEP]"}, {"special", true}, {"lstrip", false}, {"rstrip", false},
             {"single_word", false}, {"normalized", false}},
            {{"id", 3}, {"content", "<mask>"}, {"special", true}, {"lstrip", true}, {"rstrip", false},
             {"single_word", false}, {"normalized", false}}}},
          {"normalizer", {{"type", "BertNormalizer"}, {"lowercase", true}}},
          {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
          {"post_processor", {{"type", "BertProcessing"}, {"cls", {"[CLS]", 1}}, {"sep", {"[SEP]", 2}}}},
          {"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", vocab}}}};
}

std::vector<std::string> pieces(const NormalizedString& ns, SplitBehavior b) {
  std::vector<MatchSpan> m;
  std::size_t last = 0;
  const std::string& s = ns.get();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '-') continue;
    if (last < i) m.push_back({last, i, false});
    m.push_back({i, i + 1, true});
    last = i + 1;
  }
  if (last < s.size()) m.push_back({last, s.size(), false});
  std::vector<NormalizedString> out;
  ns.split(m, b, out);
  std::vector<std::string> r;
  for (const auto& p : out) r.push_back(p.get());
  return r;
}

TEST(TokenizerComponents, SplitBehaviours) {
  const NormalizedString ns("a-b--c", 0);
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces(ns, SplitBehavior::Removed), (V{"a", "b", "c"}));
  EXPECT_EQ(pieces(ns, SplitBehavior::Isolated), (V{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(pieces(ns, SplitBehavior::MergedWithPrevious), (V{"a-", "b-", "-", "c"}));
  EXPECT_EQ(pieces(ns, SplitBehavior::MergedWithNext), (V{"a", "-b", "-", "-c"}));
  EXPECT_EQ(pieces(ns, SplitBehavior::Contiguous), (V{"a", "-", "b", "--", "c"}));
}

TEST(TokenizerComponents, WordPieceAndPostProcessing) {
  const auto tok = Tokenizer::from_json_string(bert_like().dump());
  const Encoding e = tok->encode("AB c!", true);
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{1, 8, 7, 9, 2}));
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "ab", "c", "!", "[SEP]"}));
  EXPECT_EQ(e.special_tokens_mask, (std::vector<std::uint8_t>{1, 0, 0, 0, 1}));
  const Encoding p = tok->encode_pair("a", "abb", true);
  EXPECT_EQ(p.ids, (std::vector<std::int32_t>{1, 4, 2, 8, 6, 2}));
  EXPECT_EQ(p.type_ids, (std::vector<std::int32_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(p.offsets[4], (std::pair<std::size_t, std::size_t>{2, 3}));
  EXPECT_EQ(tok->num_special_tokens(false), 2u);
  EXPECT_EQ(tok->num_special_tokens(true), 3u);
  // A word with no full cover is one unknown spanning the word.
  const Encoding u = tok->encode("abz", false);
  EXPECT_EQ(u.ids, (std::vector<std::int32_t>{0}));
  EXPECT_EQ(u.offsets[0], (std::pair<std::size_t, std::size_t>{0, 3}));
}

TEST(TokenizerComponents, AddedTokenLstripTakesTheSpaceAndKeepsReferenceOffsets) {
  const auto tok = Tokenizer::from_json_string(bert_like().dump());
  const Encoding e = tok->encode("a <mask> b", false);
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{4, 3, 5}));
  // The match " <mask>" starts at the stripped space; the token's offsets cover the first
  // six bytes of that match, as in the reference.
  EXPECT_EQ(e.offsets[1], (std::pair<std::size_t, std::size_t>{1, 7}));
  // Special tokens are matched before normalisation: "[sep]" is not "[SEP]".
  EXPECT_EQ(tok->encode("[SEP]", false).ids, (std::vector<std::int32_t>{2}));
  EXPECT_NE(tok->encode("[sep]", false).ids, (std::vector<std::int32_t>{2}));
}

TEST(TokenizerComponents, SingleWordAndNormalizedAddedTokens) {
  json j = bert_like();
  j["added_tokens"].push_back({{"id", 10}, {"content", "hello"}, {"special", false}, {"lstrip", false},
                               {"rstrip", false}, {"single_word", true}, {"normalized", true}});
  j["normalizer"] = {{"type", "Lowercase"}};
  j["pre_tokenizer"] = {{"type", "WhitespaceSplit"}};
  const auto tok = Tokenizer::from_json_string(j.dump());
  // normalized=true: matched after lower-casing; single_word: not inside a word.
  EXPECT_EQ(tok->encode("HELLO", false).ids, (std::vector<std::int32_t>{10}));
  EXPECT_EQ(tok->encode("ab HELLO!", false).ids, (std::vector<std::int32_t>{8, 10, 9}));
  EXPECT_EQ(tok->encode("ahello", false).ids, (std::vector<std::int32_t>{0}));
}

TEST(TokenizerComponents, TruncationStrategiesAndErrors) {
  const auto tok = Tokenizer::from_json_string(bert_like().dump());
  TruncationOptions t;
  t.max_length = 6;  // 3 specials + 3 tokens
  const std::string q = "a b c", d = "a b c a b";
  Encoding e = tok->encode_pair(q, d, true, t);
  EXPECT_EQ(e.size(), 6u);
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{1, 4, 2, 4, 5, 2}));  // longest_first: 1 + 2
  t.strategy = TruncationStrategy::OnlySecond;
  EXPECT_THROW(tok->encode_pair(q, d, true, t), Error);  // the query alone needs 3 + 3
  t.max_length = 8;
  e = tok->encode_pair(q, d, true, t);
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{1, 4, 5, 7, 2, 4, 5, 2}));
  t.direction = TruncationDirection::Left;
  e = tok->encode_pair(q, d, true, t);
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{1, 4, 5, 7, 2, 4, 5, 2}));  // "a b" is also the tail
  t.strategy = TruncationStrategy::OnlyFirst;
  t.max_length = 7;
  e = tok->encode_pair(d, q, true, t);
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{1, 5, 2, 4, 5, 7, 2}));  // left: keeps the last of d
  t.max_length = 2;
  EXPECT_THROW(tok->encode_pair(q, d, true, t), Error);  // smaller than the specials
  t.strategy = TruncationStrategy::OnlySecond;
  t.max_length = 3;
  EXPECT_THROW(tok->encode(q, true, t), Error);  // only_second without a pair
  EXPECT_THROW(parse_truncation_strategy("sideways"), Error);
}

TEST(TokenizerComponents, InvalidUtf8IsReplacedPerByteWithOffsetsIntoTheInput) {
  const auto tok = Tokenizer::from_json_string(bert_like().dump());
  const std::string bad = "ab \xFF\xFE c";
  const Encoding e = tok->encode(bad, false);
  const Encoding again = tok->encode(bad, false);
  EXPECT_EQ(e.ids, again.ids);
  // BertNormalizer's clean_text drops U+FFFD, leaving "ab" and "c".
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{8, 7}));
  EXPECT_EQ(e.offsets[1], (std::pair<std::size_t, std::size_t>{6, 7}));
  // Each invalid byte counts as one code point.
  EXPECT_EQ(to_char_offsets(bad, e.offsets)[1], (std::pair<std::size_t, std::size_t>{6, 7}));
  EXPECT_EQ(to_char_offsets("\xC3\xA9x", {{2, 3}, {0, 2}}),
            (std::vector<std::pair<std::size_t, std::size_t>>{{1, 2}, {0, 1}}));
}

TEST(TokenizerComponents, MetaspaceOldAndNewFormsAgree) {
  json vocab = json::array({json::array({"<unk>", 0.0}), json::array({"\xE2\x96\x81" "a", -1.0}),
                            json::array({"b", -2.0}), json::array({"\xE2\x96\x81", -3.0})});
  json j = {{"added_tokens", json::array()},
            {"normalizer", nullptr},
            {"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"add_prefix_space", true}}},
            {"post_processor", nullptr},
            {"model", {{"type", "Unigram"}, {"unk_id", 0}, {"vocab", vocab}}}};
  const auto old_form = Tokenizer::from_json_string(j.dump());
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"},
                        {"split", true}};
  const auto new_form = Tokenizer::from_json_string(j.dump());
  const Encoding a = old_form->encode("a ab", false), b = new_form->encode("a ab", false);
  EXPECT_EQ(a.ids, (std::vector<std::int32_t>{1, 1, 2}));
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.offsets, b.offsets);
  // The prepended replacement is aligned with the first character.
  EXPECT_EQ(a.offsets[0], (std::pair<std::size_t, std::size_t>{0, 1}));
  j["pre_tokenizer"]["prepend_scheme"] = "never";
  EXPECT_EQ(Tokenizer::from_json_string(j.dump())->encode("a", false).tokens, (std::vector<std::string>{"a"}));
}

TEST(TokenizerComponents, BpeMergesByteFallbackAndUnknowns) {
  json j = {{"added_tokens", json::array()},
            {"normalizer", nullptr},
            {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
            {"post_processor", nullptr},
            {"model",
             {{"type", "BPE"},
              {"unk_token", "<unk>"},
              {"fuse_unk", true},
              {"byte_fallback", true},
              {"vocab", {{"<unk>", 0}, {"a", 1}, {"b", 2}, {"ab", 3}, {"c", 4}, {"abc", 5}, {"<0x7A>", 6}}},
              {"merges", {"a b", "ab c"}}}}};
  const auto tok = Tokenizer::from_json_string(j.dump());
  EXPECT_EQ(tok->encode("abc ab a", false).ids, (std::vector<std::int32_t>{5, 3, 1}));
  // 'z' falls back to its byte token; 'y' has none, and consecutive unknowns fuse.
  EXPECT_EQ(tok->encode("az", false).ids, (std::vector<std::int32_t>{1, 6}));
  const Encoding u = tok->encode("ayyb", false);
  EXPECT_EQ(u.ids, (std::vector<std::int32_t>{1, 0, 2}));
  EXPECT_EQ(u.offsets[1], (std::pair<std::size_t, std::size_t>{1, 3}));
}

TEST(TokenizerComponents, ConcurrentEncodingMatchesSequential) {
  const auto tok = Tokenizer::from_json_string(bert_like().dump());
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back("ab c! a b" + std::string(static_cast<std::size_t>(i % 7), 'b'));
  std::vector<std::vector<std::int32_t>> expected;
  for (const auto& t : texts) expected.push_back(tok->encode(t).ids);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int round = 0; round < 20; ++round)
        for (std::size_t i = 0; i < texts.size(); ++i)
          if (tok->encode(texts[i]).ids != expected[i]) ++failures[static_cast<std::size_t>(k)];
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
}

TEST(TokenizerComponents, LoadErrors) {
  EXPECT_THROW(Tokenizer::from_json_string("{"), Error);
  EXPECT_THROW(Tokenizer::from_json_string(R"({"model": {"type": "Nope"}})"), Error);
  EXPECT_THROW(Tokenizer::from_directory("/nonexistent/tokenizer/dir"), Error);
}

// A tokenizer.json is untrusted: every number that becomes an id, a type id or a count is an
// integer in range, or loading fails with ModelFormat naming the field (the tokenizers crate
// reads them as u32/usize). Before, 1e45 was converted to int (undefined behaviour, found by
// tokenizer_json_fuzz) and 2^32+5 wrapped silently into id 5.
TEST(TokenizerComponents, NumbersOutOfRangeAreRefusedNamingTheField) {
  const auto refused = [](const json& j, const std::string& field) {
    try {
      Tokenizer::from_json_string(j.dump());
      ADD_FAILURE() << "loaded a tokenizer.json with a bad " << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::ModelFormat) << e.what();
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  for (const json& bad : {json(7.77e44), json(4294967301LL), json(-1), json(1.5), json("7"),
                          json(18446744073709551615ULL)}) {
    SCOPED_TRACE(bad.dump());
    json j = bert_like();
    j["model"]["vocab"]["##b"] = bad;
    refused(j, "model.vocab");
    j = bert_like();
    j["added_tokens"][1]["id"] = bad;
    refused(j, "added_tokens id");
    j = bert_like();
    j["post_processor"]["cls"][1] = bad;
    refused(j, "post_processor token id");
  }
  // A count (usize there) may exceed an id's range, never be negative or fractional.
  for (const json& bad : {json(7.77e44), json(-1), json(1.5), json("7")}) {
    SCOPED_TRACE(bad.dump());
    json j = bert_like();
    j["model"]["max_input_chars_per_word"] = bad;
    refused(j, "model.max_input_chars_per_word");
  }
  json long_words = bert_like();
  long_words["model"]["max_input_chars_per_word"] = 4294967301LL;
  EXPECT_EQ(Tokenizer::from_json_string(long_words.dump())->encode("abb", false).ids, (std::vector<std::int32_t>{8, 6}));
  json templ = bert_like();
  templ["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", {{{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"pair",
       {{{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
      {"special_tokens", {{"[CLS]", {{"id", "[CLS]"}, {"ids", {1}}, {"tokens", {"[CLS]"}}}}}}};
  EXPECT_EQ(Tokenizer::from_json_string(templ.dump())->encode_pair("a", "b", true).type_ids,
            (std::vector<std::int32_t>{0, 0, 1}));  // the template is read as written
  json j = templ;
  j["post_processor"]["pair"][2]["Sequence"]["type_id"] = 1e300;
  refused(j, "post_processor.type_id");
  j = templ;
  j["post_processor"]["special_tokens"]["[CLS]"]["ids"] = {4294967297LL};
  refused(j, "post_processor.special_tokens ids");
}

}  // namespace
}  // namespace rerank::text
