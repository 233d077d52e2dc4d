// libFuzzer target for config.json validation: arbitrary bytes as a checkpoint's config.json.
// What is not JSON is refused before validation (as models::read_checkpoint does); JSON must be
// accepted with sane sizes or refused with rerank::Error naming the key. Any other exception,
// crash or sanitizer report is a bug.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "models/encoder_config.hpp"
#include "models/modernbert_config.hpp"
#include "models/qwen3_config.hpp"
#include "models/t5_config.hpp"
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
  try {
    const rerank::models::ModernBertConfig m = rerank::models::parse_modernbert_config(config, "fuzz/config.json");
    // One layer type per layer, heads of an even size (rotary pairs).
    if (static_cast<std::int64_t>(m.sliding.size()) != m.num_hidden_layers || m.head_dim() < 2 || m.head_dim() % 2) {
      std::abort();
    }
  } catch (const rerank::Error&) {
  }
  try {
    const rerank::models::T5Config t = rerank::models::parse_t5_config(config, "fuzz/config.json");
    if (t.d_model <= 0 || t.num_heads <= 0 || t.d_kv <= 0 || t.decoder_start_token_id >= t.vocab_size) std::abort();
  } catch (const rerank::Error&) {
  }
  try {
    const rerank::models::Qwen3Config q = rerank::models::parse_qwen3_config(config, "fuzz/config.json");
    // Grouped heads that divide, even heads (rotary pairs), a head for a classifier.
    if (q.num_heads <= 0 || q.num_kv_heads <= 0 || q.num_heads % q.num_kv_heads || q.head_dim < 2 || q.head_dim % 2 ||
        q.rope_theta <= 0 || (q.sequence_classification && q.num_labels < 1)) {
      std::abort();
    }
  } catch (const rerank::Error&) {
  }
  return 0;
}
