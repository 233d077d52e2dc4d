// Pair truncation as tokenizers 0.23 does it, on a toy WordPiece tokenizer whose words have a
// known number of pieces. Every expectation below was derived by hand from the reference's
// code (tokenizer/mod.rs do_tokenize, pre_tokenizer.rs tokenize_with_limit,
// utils/truncation.rs truncate_encodings), not from rerank's output:
//  1. early exit: each sequence is tokenised split by split until it holds at least
//     max_length tokens (special tokens NOT subtracted) after a split the model tokenised;
//     added-token splits count but never stop it; the first sequence is left whole under
//     only_second; left truncation walks from the end.
//  2. longest_first on those capped lengths with budget B = max_length - 3: when both exceed
//     B/2 the shorter gets B/2 and the longer B/2 + B%2 (the second on a tie).
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "support/test_support.hpp"
#include "support/toy_wordpiece.hpp"
#include "text/tokenizer.hpp"
#include "text/truncation.hpp"

namespace rerank::text {
namespace {

using Ids = std::vector<std::int32_t>;

using namespace rerank::testing::toy;

std::unique_ptr<Tokenizer> toy_tokenizer() { return Tokenizer::from_json_string(wordpiece_json().dump()); }

const char* kLastWord[] = {"", "x", "yy", "zzz"};
const Ids kLastIds[] = {{}, {X}, {Y, YY}, {Z, ZZ, ZZ}};

// The document: `xs` one-piece words and one word of `pieces` pieces, at the end for right
// truncation and at the start for left truncation (where the early exit reaches it last).
std::string document(int xs, int pieces, TruncationDirection d) {
  if (d == TruncationDirection::Right) return words("x", xs) + " " + kLastWord[pieces];
  return std::string(kLastWord[pieces]) + " " + words("x", xs);
}

Ids document_ids(int xs, int pieces, TruncationDirection d) {
  Ids ids;
  if (d == TruncationDirection::Left) ids = kLastIds[pieces];
  ids.insert(ids.end(), static_cast<std::size_t>(xs), X);
  if (d == TruncationDirection::Right) ids.insert(ids.end(), kLastIds[pieces].begin(), kLastIds[pieces].end());
  return ids;
}

Ids kept(const Ids& ids, std::size_t n, TruncationDirection d) {
  if (n >= ids.size()) return ids;
  return d == TruncationDirection::Right ? Ids(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n))
                                         : Ids(ids.end() - static_cast<std::ptrdiff_t>(n), ids.end());
}

struct Row {
  int query_words;     // one-piece words "a"
  int doc_words;       // one-piece words "x"
  int last_pieces;     // pieces of the document's last (right) / first (left) word
  std::size_t max_length;
  TruncationDirection direction;
  std::size_t query_kept, doc_kept;  // derived by hand (comment: capped lengths c1, c2)
};

constexpr auto R = TruncationDirection::Right;
constexpr auto L = TruncationDirection::Left;

// max_length 8 -> budget 5 (odd: the odd token decides), 9 -> budget 6 (even).
const Row kRows[] = {
    // Right, budget 5. Full lengths would give the longer query the odd token (3, 2).
    {12, 7, 1, 8, R, 2, 3},  // c1 = 8, c2 = 8: equal, the second gets it
    {12, 7, 2, 8, R, 2, 3},  // c1 = 8, c2 = 9 (yy overshoots by 1)
    {12, 7, 3, 8, R, 2, 3},  // c1 = 8, c2 = 10
    {12, 6, 3, 8, R, 2, 3},  // c1 = 8, c2 = 9 (6 + zzz)
    {12, 5, 3, 8, R, 2, 3},  // c1 = 8, c2 = 8 (zzz ends exactly at 8): equal
    {10, 8, 1, 8, R, 2, 3},  // full 10 vs 9, capped 8 vs 8
    {9, 7, 3, 8, R, 2, 3},   // full 9 vs 10 and capped 8 vs 10 agree
    {8, 12, 1, 8, R, 2, 3},  // c1 = 8, c2 = 8
    {13, 8, 3, 8, R, 2, 3},  // c1 = 8, c2 = 8 (the cap stops before zzz)
    {12, 4, 3, 8, R, 3, 2},  // document 7 tokens, never capped: 12 capped to 8 is longer
    // Short queries: only the document is cut (n2 = max(n1, B - n1)).
    {2, 12, 1, 8, R, 2, 3},
    {1, 12, 3, 8, R, 1, 4},
    {3, 12, 1, 8, R, 2, 3},  // 3 + 3 > 5: both cut to 2 and 3
    {2, 2, 1, 8, R, 2, 3},   // 5 tokens: nothing to cut
    // Right, budget 6: both over 3 get 3 whatever the capped lengths.
    {12, 7, 3, 9, R, 3, 3},
    {12, 8, 1, 9, R, 3, 3},
    {2, 12, 2, 9, R, 2, 4},
    // Left, budget 5: the document's multi-piece word comes first, the early exit walks back.
    {12, 7, 3, 8, L, 2, 3},  // c1 = 8, c2 = 10
    {12, 7, 1, 8, L, 2, 3},  // c1 = 8, c2 = 8
    {12, 6, 2, 8, L, 2, 3},  // c1 = 8, c2 = 8 (yy ends exactly at 8)
    {12, 4, 3, 8, L, 3, 2},  // document 7 tokens: not capped, shorter than the query's 8
    {12, 7, 3, 9, L, 3, 3},  // budget 6
};

class TruncationTable : public ::testing::TestWithParam<Row> {};

TEST_P(TruncationTable, LongestFirstOnCappedLengths) {
  const Row& r = GetParam();
  const auto tok = toy_tokenizer();
  TruncationOptions t;
  t.max_length = r.max_length;
  t.direction = r.direction;
  const Ids query(static_cast<std::size_t>(r.query_words), A);
  const Ids doc = document_ids(r.doc_words, r.last_pieces, r.direction);
  Ids expected{CLS};
  const Ids q = kept(query, r.query_kept, r.direction), d = kept(doc, r.doc_kept, r.direction);
  expected.insert(expected.end(), q.begin(), q.end());
  expected.push_back(SEP);
  expected.insert(expected.end(), d.begin(), d.end());
  expected.push_back(SEP);
  const Encoding e = tok->encode_pair(words("a", r.query_words), document(r.doc_words, r.last_pieces, r.direction),
                                      true, t);
  EXPECT_EQ(e.ids, expected);
  // A stride below the shorter cut changes nothing kept (it only shapes overflow windows).
  t.stride = 1;
  EXPECT_EQ(tok->encode_pair(words("a", r.query_words), document(r.doc_words, r.last_pieces, r.direction), true, t)
                .ids,
            expected);
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  const Row& r = info.param;
  return "q" + std::to_string(r.query_words) + "_d" + std::to_string(r.doc_words) + "p" +
         std::to_string(r.last_pieces) + "_len" + std::to_string(r.max_length) +
         (r.direction == R ? "_right" : "_left");
}

INSTANTIATE_TEST_SUITE_P(Reference, TruncationTable, ::testing::ValuesIn(kRows), row_name);

TEST(Truncation, AddedTokenSplitsCountButNeverStopTheEarlyExit) {
  const auto tok = toy_tokenizer();
  TruncationOptions t;
  t.max_length = 8;  // budget 5
  // Query: 7 x "a", <m>, "a", "a" = 10 tokens. The walk reaches 8 on <m>, an added token, so
  // it goes on through the next "a": c1 = 9. Document: 9 x "x", capped to 8. 9 > 8 gives the
  // query the odd token: 3 and 2. (Stopping on <m> would tie at 8 and give it 2.)
  const Encoding e = tok->encode_pair(words("a", 7) + " <m> a a", words("x", 9), true, t);
  EXPECT_EQ(e.ids, (Ids{CLS, A, A, A, SEP, X, X, SEP}));
  // Left: walking back from the end, "a a <m>" reaches only 3 before the 7 "a"s: c1 = 8.
  // The document (9 x "x") is capped to 8 too: a tie, so the document gets the odd token.
  t.direction = TruncationDirection::Left;
  const Encoding l = tok->encode_pair(words("a", 7) + " <m> a a", words("x", 9), true, t);
  EXPECT_EQ(l.ids, (Ids{CLS, A, A, SEP, X, X, X, SEP}));
}

TEST(Truncation, OnlySecondLeavesTheQueryWholeAndOnlyStrategiesMatchFullLengths) {
  const auto tok = toy_tokenizer();
  TruncationOptions t;
  t.max_length = 8;
  t.strategy = TruncationStrategy::OnlySecond;
  // only_second keeps B - n1 of the document whatever the cap: 5 - 2 = 3.
  EXPECT_EQ(tok->encode_pair("a a", words("x", 7) + " zzz", true, t).ids, (Ids{CLS, A, A, SEP, X, X, X, SEP}));
  // The query is not capped under only_second: 6 "a" leave nothing, an error as in the reference.
  EXPECT_EQ(testing::code_of([&] { tok->encode_pair(words("a", 6), words("x", 9), true, t); }),
            ErrorCode::InvalidInput);
  t.strategy = TruncationStrategy::OnlyFirst;
  t.direction = TruncationDirection::Left;
  EXPECT_EQ(tok->encode_pair("zzz a a a a a a", "x x", true, t).ids, (Ids{CLS, A, A, A, SEP, X, X, SEP}));
}

TEST(Truncation, SingleSequencesStopAtASplitBoundaryFirst) {
  const auto tok = toy_tokenizer();
  TruncationOptions t;
  t.max_length = 6;  // 2 special tokens, budget 4; the cap (6) never binds harder than that
  EXPECT_EQ(tok->encode(words("x", 3) + " zzz x", true, t).ids, (Ids{CLS, X, X, X, Z, SEP}));
  t.direction = TruncationDirection::Left;
  EXPECT_EQ(tok->encode("x zzz " + words("x", 3), true, t).ids, (Ids{CLS, ZZ, X, X, X, SEP}));
}

TEST(Truncation, StrideIsCheckedAsTheReferenceChecksIt) {
  const auto tok = toy_tokenizer();
  TruncationOptions t;
  t.max_length = 8;
  // with_truncation: a stride above the single-text budget (8 - 2 = 6) is refused.
  t.stride = 7;
  EXPECT_EQ(testing::code_of([&] { tok->encode("a", true, t); }), ErrorCode::InvalidArgument);
  // Encoding::truncate asserts stride < the length a sequence is cut to (here the query's 2):
  // the reference panics, rerank throws a typed error.
  t.stride = 2;
  EXPECT_EQ(testing::code_of([&] { tok->encode_pair(words("a", 12), words("x", 12), true, t); }),
            ErrorCode::InvalidInput);
  // Nothing is cut: no check.
  EXPECT_EQ(tok->encode_pair("a", "x", true, t).ids, (Ids{CLS, A, SEP, X, SEP}));
}

TEST(Truncation, ABudgetSmallerThanTheSpecialTokensIsAnErrorNotAWrapAround) {
  const auto tok = toy_tokenizer();
  TruncationOptions t;
  t.max_length = 2;  // a pair needs 3 special tokens; the reference wraps to "no limit"
  std::string message;
  EXPECT_EQ(testing::code_of([&] { tok->encode_pair("a", "x", true, t); }, &message), ErrorCode::InvalidInput);
  EXPECT_NE(message.find("special tokens"), std::string::npos) << message;
  // Without special tokens the same max length is a real budget.
  EXPECT_EQ(tok->encode_pair("a a", "x x", false, t).ids, (Ids{A, X}));
  // Exactly the special tokens: a budget of 0 empties both sequences, as the reference does.
  t.max_length = 3;
  EXPECT_EQ(tok->encode_pair("a a", "x x", true, t).ids, (Ids{CLS, SEP, SEP}));
}

TEST(Truncation, CapAndCutKeepSplitEndsConsistent) {
  const auto tok = toy_tokenizer();
  Encoding e = tok->encode_raw("x zzz yy x");
  ASSERT_EQ(e.split_ends.size(), 4u);
  EXPECT_EQ(e.split_ends[1].end, 4u);
  // Capping is idempotent, and a cut inside a split keeps its first part.
  cap_at_split(e, 3, TruncationDirection::Right);
  EXPECT_EQ(e.ids, (Ids{X, Z, ZZ, ZZ}));
  cap_at_split(e, 3, TruncationDirection::Right);
  EXPECT_EQ(e.ids.size(), 4u);
  truncate_encoding(e, 2, TruncationDirection::Left);
  ASSERT_EQ(e.split_ends.size(), 1u);
  EXPECT_EQ(e.split_ends[0].end, 2u);
  // SentencePiece-style encodings without split ends are never capped.
  Encoding bare;
  bare.ids = {X, X, X};
  cap_at_split(bare, 1, TruncationDirection::Right);
  EXPECT_EQ(bare.ids.size(), 3u);
}

}  // namespace
}  // namespace rerank::text

namespace rerank::text {
namespace {

// encode_raw_capped (the model run only over the splits the early exit reads) must equal
// capping the full encoding, for every tokenizer kind, limit and direction.
void expect_capped_equals_full(const Tokenizer& tok, const std::string& text) {
  for (const std::size_t limit : {0u, 1u, 3u, 8u, 17u, 64u, 100000u}) {
    for (const auto d : {TruncationDirection::Right, TruncationDirection::Left}) {
      Encoding full = tok.encode_raw(text);
      cap_at_split(full, limit, d);
      const Encoding capped = tok.encode_raw_capped(text, limit, d);
      SCOPED_TRACE("limit " + std::to_string(limit) + (d == TruncationDirection::Right ? " right" : " left"));
      EXPECT_EQ(capped.ids, full.ids);
      EXPECT_EQ(capped.offsets, full.offsets);
      EXPECT_EQ(capped.tokens, full.tokens);
      ASSERT_EQ(capped.split_ends.size(), full.split_ends.size());
      for (std::size_t i = 0; i < full.split_ends.size(); ++i) EXPECT_EQ(capped.split_ends[i].end, full.split_ends[i].end);
    }
  }
}

TEST(Truncation, CappedEncodingEqualsCappingTheFullOne) {
  const auto tok = Tokenizer::from_json_string(testing::toy::wordpiece_json().dump());
  for (const std::string text : {"", "a", "x zzz yy <m> a a zzz", "<m><m> zzz", "zzz yy x \xff zzz"})
    expect_capped_equals_full(*tok, text);
}

TEST(Truncation, CappedEncodingEqualsCappingTheFullOneOnFixtureTokenizers) {
  RERANK_REQUIRE_SHARED(root, "reference/tokenizers");
  for (const char* name : {"bert-uncased", "xlmr-unigram", "gpt2-bpe", "qwen-bpe", "t5-unigram"}) {
    SCOPED_TRACE(name);
    const auto tok = Tokenizer::from_directory(root / name);
    const auto cases = nlohmann::json::parse(testing::read_file(root / name / "cases.json"));
    std::size_t n = 0;
    for (const auto& p : cases.at("pairs")) {
      if (++n > 12) break;
      expect_capped_equals_full(*tok, p.at("doc").get<std::string>());
    }
  }
}

}  // namespace
}  // namespace rerank::text
