#include "engine/cuda_attention_support.hpp"

namespace rerank::engine {

std::optional<std::string> cuda_attention_unsupported(const AttentionInputs& in, const AttentionSpec& spec) {
  if (!in.qkv) return "cross-attention is not implemented";
  if (in.prefix_kv || in.kv_out) return "a KV cache is not implemented";
  if (spec.kv_heads_or_heads() != spec.heads) return "grouped-query attention is not implemented";
  if (spec.causal) return "causal attention is not implemented";
  if (spec.window.kind != AttentionWindow::Kind::None) return "windowed attention is not implemented";
  if (spec.softcap != 0.0f) return "soft-capping is not implemented";
  if (spec.bias.values) return "a relative position bias is not implemented";
  if (spec.rotary_on) return "rotary positions are not implemented";
  if (!spec.is_plain()) return "a score scale other than 1/sqrt(head_dim) is not implemented";
  return std::nullopt;
}

}  // namespace rerank::engine
