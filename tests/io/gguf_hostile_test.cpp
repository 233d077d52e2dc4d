// GGUF vocabularies the fuzzer (fuzz/gguf_fuzz.cpp) found mishandled: a token that is not
// valid UTF-8 escaped as an nlohmann exception instead of Error(ModelFormat), and a float
// token type outside int's range was undefined behaviour. Their inputs are also in
// fuzz/corpus/gguf_fuzz/regression-*.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/gguf.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::io {
namespace {

template <typename T>
std::string le(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}
std::string gstr(const std::string& s) { return le<std::uint64_t>(s.size()) + s; }

// A GGUF v3 header with tokenizer.ggml.model, the tokens and a float32 token_type array.
std::string vocab_gguf(const std::string& model, const std::vector<std::string>& tokens,
                       const std::vector<float>& types) {
  std::string kv = gstr("tokenizer.ggml.model") + le<std::uint32_t>(8) + gstr(model);
  kv += gstr("tokenizer.ggml.tokens") + le<std::uint32_t>(9) + le<std::uint32_t>(8) + le<std::uint64_t>(tokens.size());
  for (const std::string& t : tokens) kv += gstr(t);
  kv += gstr("tokenizer.ggml.token_type") + le<std::uint32_t>(9) + le<std::uint32_t>(6) + le<std::uint64_t>(types.size());
  for (float t : types) kv += le<float>(t);
  return "GGUF" + le<std::uint32_t>(3) + le<std::uint64_t>(0) + le<std::uint64_t>(3) + kv;
}

TEST(GgufHostile, TokenThatIsNotUtf8IsAModelFormatError) {
  const GgufFile g = GgufFile::parse(vocab_gguf("llama", {"<unk>", "ok", "bad\xff\xfe"}, {2, 1, 1}));
  std::string message;
  EXPECT_EQ(rerank::testing::code_of([&] { gguf_tokenizer_json(g); }, &message), ErrorCode::ModelFormat);
  EXPECT_NE(message.find("not valid UTF-8"), std::string::npos) << message;
}

TEST(GgufHostile, TokenTypesOutsideTheKnownRangeAreUndefinedNotUB) {
  const GgufFile g = GgufFile::parse(vocab_gguf("llama", {"<unk>", "\xE2\x96\x81hi"}, {4.7e30f, -3.0f}));
  const std::string json = gguf_tokenizer_json(g);  // UBSan: no float -> int overflow
  EXPECT_NE(json.find("Unigram"), std::string::npos);
}

}  // namespace
}  // namespace rerank::io
