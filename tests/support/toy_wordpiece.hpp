// A toy WordPiece tokenizer.json whose words have a known number of pieces, for truncation
// tests: "a", "x" are one piece, "yy" two (y ##y), "zzz" three (z ##z ##z); "<m>" is an added
// token; whitespace pre-tokenisation; [CLS] A [SEP] B [SEP] (3 special tokens per pair).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace rerank::testing::toy {

inline constexpr std::int32_t CLS = 1, SEP = 2, A = 3, X = 4, Y = 5, YY = 6, Z = 7, ZZ = 8, M = 9;

inline nlohmann::json wordpiece_json() {
  auto added = [](int id, const std::string& content) {
    return nlohmann::json{{"id", id},        {"content", content},   {"special", true}, {"lstrip", false},
                          {"rstrip", false}, {"single_word", false}, {"normalized", false}};
  };
  nlohmann::json vocab = {{"[UNK]", 0}, {"[CLS]", CLS}, {"[SEP]", SEP}, {"a", A},    {"x", X},
                          {"y", Y},     {"##y", YY},    {"z", Z},       {"##z", ZZ}, {"<m>", M}};
  return {{"added_tokens", {added(0, "[UNK]"), added(CLS, "[CLS]"), added(SEP, "[SEP]"), added(M, "<m>")}},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
          {"post_processor", {{"type", "BertProcessing"}, {"cls", {"[CLS]", CLS}}, {"sep", {"[SEP]", SEP}}}},
          {"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", vocab}}}};
}

// `n` copies of `word` separated by spaces.
inline std::string words(const std::string& word, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + word;
  return s;
}

}  // namespace rerank::testing::toy
