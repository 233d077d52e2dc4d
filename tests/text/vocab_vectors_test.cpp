// llama.cpp's tokenizer test vectors (ggml-vocab-*.gguf with .inp/.out, no special tokens),
// read through the GGUF reader, and SentencePiece's test_model.model against spm_encode.
#include <sstream>

#include <gtest/gtest.h>

#include "io/gguf.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"
#include "text/hf_tokenizer.hpp"
#include "text/tokenizer.hpp"

namespace rerank::text {
namespace {

std::vector<std::string> split_inputs(const std::string& all) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t next = all.find(sep, pos);
    if (next == std::string::npos) {
      if (pos < all.size()) out.push_back(all.substr(pos));
      break;
    }
    out.push_back(all.substr(pos, next - pos));
    pos = next + sep.size();
  }
  return out;
}

std::vector<std::vector<std::int32_t>> read_id_lines(const std::string& all) {
  std::vector<std::vector<std::int32_t>> out;
  std::istringstream in(all);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<std::int32_t> ids;
    std::int32_t id;
    while (ls >> id) ids.push_back(id);
    out.push_back(std::move(ids));
  }
  return out;
}

void check_gguf_vectors(const std::filesystem::path& vocab_dir, const std::string& name) {
  const auto gguf = vocab_dir / ("ggml-vocab-" + name + ".gguf");
  const auto tok = io::tokenizer_from_gguf(gguf);
  const auto inputs = split_inputs(testing::read_file(gguf.string() + ".inp"));
  const auto expected = read_id_lines(testing::read_file(gguf.string() + ".out"));
  ASSERT_EQ(inputs.size(), expected.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    SCOPED_TRACE("input " + std::to_string(i) + ": '" + inputs[i] + "'");
    EXPECT_EQ(tok->encode(inputs[i], false).ids, expected[i]);
  }
}

TEST(VocabVectors, BertBgeWordPieceFromGguf) {
  RERANK_REQUIRE_SHARED(dir, "vocab");
  check_gguf_vectors(dir, "bert-bge");
}

TEST(VocabVectors, Gpt2ByteLevelBpeFromGguf) {
  RERANK_REQUIRE_SHARED(dir, "vocab");
  check_gguf_vectors(dir, "gpt-2");
}

TEST(VocabVectors, GgufRejectsGarbage) {
  EXPECT_THROW(io::GgufFile::parse("not a gguf file"), Error);
  EXPECT_THROW(io::GgufFile::parse(std::string("GGUF\x03\0\0\0", 8)), Error);  // truncated header
}

TEST(VocabVectors, SentencePieceTestModel) {
  RERANK_REQUIRE_SHARED(dir, "vocab");
  const auto tok = make_spm_tokenizer(dir / "test_model.model", nullptr);
  std::istringstream in(testing::read_file(dir / "spm_ref_input.txt"));
  const auto expected = read_id_lines(testing::read_file(dir / "test_model.ref.ids"));
  std::string line;
  std::size_t i = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(i, expected.size());
    SCOPED_TRACE("line " + std::to_string(i) + ": " + line);
    EXPECT_EQ(tok->encode(line, false).ids, expected[i]);
    ++i;
  }
  EXPECT_EQ(i, expected.size());
}

}  // namespace
}  // namespace rerank::text
