// Token ids back to text (Tokenizer::decode, text/decoders.cpp) as the reference decodes:
// byte-level BPE (GPT-2, Qwen) gives back every fixture text exactly, WordPiece and
// Metaspace texts as tokenizers' decode gives them, and each decoder step on its own
// (byte fallback, strip, replace, fuse, sequence) on token lists written here.
#include <cstdlib>
#include <fstream>

#include <utf8proc.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "support/test_support.hpp"
#include "text/byte_level.hpp"
#include "text/decoders.hpp"
#include "text/tokenizer.hpp"

namespace rerank::text {
namespace {

using nlohmann::json;

// Python's unicodedata.normalize("NFC", text): the Qwen tokenizer's normalizer.
std::string nfc(const std::string& text) {
  utf8proc_uint8_t* out = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(text.c_str()));
  std::string s(reinterpret_cast<const char*>(out));
  std::free(out);
  return s;
}

std::string decode_with(const std::string& decoder_json, std::vector<std::string> tokens) {
  const auto d = make_decoder(json::parse(decoder_json));
  return decode_tokens(d.get(), std::move(tokens));
}

TEST(TokenDecoder, ByteLevelGivesBackEveryFixtureText) {
  for (const char* name : {"gpt2-bpe", "qwen-bpe"}) {
    RERANK_REQUIRE_SHARED(dir, std::string("reference/tokenizers/") + name);
    const auto tok = Tokenizer::from_directory(dir);
    const json cases = rerank::testing::read_json(dir / "cases.json");
    std::size_t checked = 0;
    for (const auto& c : cases.at("singles")) {
      const std::string text = c.at("text").get<std::string>();
      const auto ids = c.at("input_ids").get<std::vector<std::int32_t>>();
      // Byte-level BPE is lossless but for the normalizer (Qwen's NFC).
      EXPECT_EQ(tok->decode(ids), std::string(name) == "qwen-bpe" ? nfc(text) : text) << name;
      ++checked;
    }
    EXPECT_GT(checked, 10u) << name;
    // Text the fixture lacks: emoji, CJK, control characters, a newline run.
    for (const std::string text : {"\xF0\x9F\x98\x80 caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87\n\n\t[3] > [1]", "  two  spaces"}) {
      EXPECT_EQ(tok->decode(tok->encode_raw(text).ids), text) << name;
    }
  }
}

TEST(TokenDecoder, SpecialTokensAreKeptOrSkipped) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const auto tok = Tokenizer::from_directory(dir);
  const std::string text = "<|im_start|>user\nRank [2] > [1]<|im_end|>";
  const auto ids = tok->encode_raw(text).ids;
  EXPECT_EQ(tok->decode(ids, /*skip_special_tokens=*/false), text);
  EXPECT_EQ(tok->decode(ids, /*skip_special_tokens=*/true), "user\nRank [2] > [1]");
  // An id outside the vocabulary is skipped, as the reference skips it.
  std::vector<std::int32_t> with_unknown = ids;
  with_unknown.push_back(1 << 30);
  EXPECT_EQ(tok->decode(with_unknown, false), text);
}

TEST(TokenDecoder, WordPieceAndMetaspace) {
  RERANK_REQUIRE_SHARED(bert, "vocab/bert-base-uncased");  // the whole vocabulary: no [UNK]
  const auto wp = Tokenizer::from_directory(bert);
  // [CLS] hello , world ! [SEP]: specials dropped, "##" pieces joined, " ," cleaned up.
  EXPECT_EQ(wp->decode(wp->encode("Hello, world! Biomaterials").ids), "hello, world! biomaterials");
  RERANK_REQUIRE_SHARED(t5, "reference/tokenizers/t5-unigram");
  const auto ms = Tokenizer::from_directory(t5);
  EXPECT_EQ(ms->decode(ms->encode("Hello world, two words.").ids), "Hello world, two words.");
}

TEST(TokenDecoder, EachStep) {
  // Llama/Mistral's decoder: ▁ -> space, <0x..> bytes, fuse, strip one leading space.
  const std::string llama = R"({"type":"Sequence","decoders":[
      {"type":"Replace","pattern":{"String":"\u2581"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},
      {"type":"Strip","content":" ","start":1,"stop":0}]})";
  EXPECT_EQ(decode_with(llama, {"\xE2\x96\x81Hello", "\xE2\x96\x81wor", "ld", "<0xE2>", "<0x82>", "<0xAC>", "<0x21>"}),
            "Hello world\xE2\x82\xAC!");
  // A byte run that is not UTF-8: one U+FFFD per byte token.
  EXPECT_EQ(decode_with(R"({"type":"ByteFallback"})", {"a", "<0xE2>", "<0x82>", "b"}), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
  EXPECT_EQ(decode_with(R"({"type":"BPEDecoder","suffix":"</w>"})", {"hel", "lo</w>", "world</w>"}), "hello world");
  EXPECT_EQ(decode_with(R"({"type":"Strip","content":"x","start":2,"stop":1})", {"xxxaxx"}), "xax");
  // Metaspace drops every replacement of the first token unless the scheme is "never".
  EXPECT_EQ(decode_with(R"({"type":"Metaspace","replacement":"\u2581","prepend_scheme":"always"})",
                        {"\xE2\x96\x81" "a\xE2\x96\x81" "b", "\xE2\x96\x81" "c"}),
            "ab c");
  EXPECT_EQ(decode_with(R"({"type":"Metaspace","replacement":"\u2581","prepend_scheme":"never"})",
                        {"\xE2\x96\x81" "a", "\xE2\x96\x81" "c"}),
            " a c");
  // Byte-level: a token outside the byte alphabet passes as it is; broken UTF-8 becomes U+FFFD.
  EXPECT_EQ(decode_with(R"({"type":"ByteLevel"})", {"\xC4\xA0" "a", "\xE2\x82\xAC"}), " a\xE2\x82\xAC");
  EXPECT_EQ(decode_with(R"({"type":"ByteLevel"})", {"\xC3\xA2"}), "\xEF\xBF\xBD");  // byte 0xE2 alone
  // Broken bytes as Rust's from_utf8_lossy replaces them: C0/C1/F5+ leads and a lead whose
  // next byte is out of its range are one error each; a truncated sequence is one error.
  auto bytes = [](std::initializer_list<unsigned char> b) {
    std::vector<std::string> tokens;
    for (unsigned char c : b) tokens.push_back(byte_to_utf8(c));
    return tokens;
  };
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(decode_with(R"({"type":"ByteLevel"})", bytes({0xC0, 0x80})), fffd + fffd);
  EXPECT_EQ(decode_with(R"({"type":"ByteLevel"})", bytes({0xF5, 0x80, 'a'})), fffd + fffd + "a");
  EXPECT_EQ(decode_with(R"({"type":"ByteLevel"})", bytes({0xED, 0xA0, 0x80})), fffd + fffd + fffd);
  EXPECT_EQ(decode_with(R"({"type":"ByteLevel"})", bytes({0xE2, 0x82, 'x'})), fffd + "x");
  EXPECT_EQ(decode_with(R"({"type":"ByteLevel"})", bytes({0xF0, 0x9F, 0x98, 0x80})), "\xF0\x9F\x98\x80");
  // No decoder: tokens joined by spaces.
  EXPECT_EQ(decode_tokens(nullptr, {"a", "b"}), "a b");
}

TEST(TokenDecoder, UnknownDecodersAreTypedErrors) {
  try {
    (void)make_decoder(json::parse(R"({"type":"CTC"})"));
    FAIL() << "CTC decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotSupported);
    EXPECT_NE(std::string(e.what()).find("CTC"), std::string::npos);
  }
  EXPECT_THROW((void)make_decoder(json::parse(R"({"type":"Strip","content":"ab"})")), Error);
  EXPECT_THROW((void)make_decoder(json::parse(R"({"type":"Replace","pattern":{"Regex":"a+"},"content":""})")), Error);
  // A tokenizer whose decoder cannot run still encodes; decode names the decoder.
  json tj = json::parse(R"({"model":{"type":"WordLevel","vocab":{"a":0,"[UNK]":1},"unk_token":"[UNK]"},
                            "pre_tokenizer":{"type":"Whitespace"},"decoder":{"type":"CTC"}})");
  const auto tok = Tokenizer::from_json_string(tj.dump());
  EXPECT_EQ(tok->encode_raw("a").ids, std::vector<std::int32_t>{0});
  EXPECT_THROW((void)tok->decode(std::vector<std::int32_t>{0}), Error);
}

}  // namespace
}  // namespace rerank::text
