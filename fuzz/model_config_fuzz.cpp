// libFuzzer target for config.json validation: arbitrary bytes as a checkpoint's config.json.
// What is not JSON is refused before validation (as models::read_checkpoint does); JSON must be
// accepted with sane sizes or refused with rerank::Error naming the key. Any other exception,
// crash or sanitizer report is a bug.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "models/encoder_config.hpp"
#include "rerank/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return 0;
  try {
    const rerank::models::EncoderConfig c = rerank::models::parse_encoder_config(config, "fuzz/config.json");
    // Accepted sizes must be usable: positive, and heads dividing the hidden size.
    if (c.hidden_size <= 0 || c.num_attention_heads <= 0 || c.num_hidden_layers < 0 || c.vocab_size <= 0) {
      std::abort();
    }
    if (c.hidden_size % c.num_attention_heads != 0) std::abort();
  } catch (const rerank::Error&) {
  }
  return 0;
}
