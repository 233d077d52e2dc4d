// libFuzzer target for GGUF metadata: arbitrary bytes as a vocabulary-only .gguf file. Parsing
// must succeed or throw rerank::Error (counts and lengths bounded by the bytes present); a
// parsed file's vocabulary must turn into a tokenizer.json that loads and encodes, or be
// refused with rerank::Error. Any other exception, crash or sanitizer report is a bug.
#include <cstdint>
#include <string>

#include "io/gguf.hpp"
#include "rerank/error.hpp"
#include "text/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const rerank::io::GgufFile gguf = rerank::io::GgufFile::parse(bytes);
    (void)gguf.get_strings("tokenizer.ggml.tokens");
    (void)gguf.get_numbers("tokenizer.ggml.scores");
    const std::string json = rerank::io::gguf_tokenizer_json(gguf);
    const auto tok = rerank::text::Tokenizer::from_json_string(json);
    (void)tok->encode("Hello world, 123 héllo", true);
  } catch (const rerank::Error&) {
  }
  return 0;
}
