// libFuzzer target for tokenizer.json parsing: arbitrary bytes as a tokenizer.json. Loading
// must succeed or throw rerank::Error (a Hub repository's file is untrusted input); a loaded
// tokenizer must encode a fixed text and a pair with consistent encodings. Any other
// exception, crash or sanitizer report is a bug.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "rerank/error.hpp"
#include "text/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<rerank::text::Tokenizer> tok;
  try {
    tok = rerank::text::Tokenizer::from_json_string(json);
  } catch (const rerank::Error&) {
    return 0;  // refused with a typed error: the expected outcome for most inputs
  }
  try {
    static const std::string_view kTexts[] = {"Hello, wörld! 12 <s> [MASK]  x", ""};
    for (const std::string_view text : kTexts) {
      const auto e = tok->encode_pair(text, "second text", true);
      const std::size_t n = e.ids.size();
      if (e.tokens.size() != n || e.offsets.size() != n || e.type_ids.size() != n) std::abort();
    }
  } catch (const rerank::Error&) {
    // e.g. a post-processor whose special tokens are not in the vocabulary
  }
  return 0;
}
