// What one attention call computes, stated explicitly by the model (one spec covers every
// family: BERT's plain bidirectional attention, ModernBERT's alternating windows and rotary
// positions, T5's position bias and cross-attention, decoders' causal GQA with a KV cache,
// Gemma2's causal window, query pre-scaling and soft-capping), and which matrices it reads.
//
// Per head h of sequence s, query i (position p_i) and key j (position p_j), with the key
// and value head h / (heads / kv_heads):
//   s_ij = softcap(scale * <rot(q_i, p_i), rot(k_j, p_j)>) + bias[h][p_j - p_i]
//   out_i = sum_j softmax_j(s_ij) v_j over the keys the mask and window allow,
// where softcap(x) = cap * tanh(x / cap) when a cap is set and positions count from 0 at the
// first token of a sequence (of its cached prefix, when it continues one).
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "engine/types.hpp"

namespace rerank::engine {

// Which keys a query sees besides the causal rule.
struct AttentionWindow {
  enum class Kind : std::uint8_t {
    None,        // every key of the sequence
    Symmetric,   // |p_i - p_j| <= radius (ModernBERT's local layers: radius = local_attention / 2)
    CausalLeft,  // p_i - radius <= p_j (with causal: the `radius + 1` latest keys, Gemma2/Mistral)
  };
  Kind kind = Kind::None;
  std::int64_t radius = 0;
};

// Rotary position embedding of Q and K (applied by the op; the K written for a cache is
// rotated already).
struct RotarySpec {
  enum class Layout : std::uint8_t {
    HalfSplit,    // pairs (c, c + r/2) of the rotated part, transformers' rotate_half ("neox")
    Interleaved,  // pairs (2c, 2c + 1) (GPT-J)
  };
  float theta = 10000.0f;
  // The first floor(head_dim * fraction / 2) * 2 dimensions of each head rotate; the rest pass.
  float fraction = 1.0f;
  Layout layout = Layout::HalfSplit;
  // Linear position scaling: inverse frequencies divided by this (transformers' "linear").
  float linear_scaling = 1.0f;
};

// A per-head additive bias by relative position, the model's own function of p_j - p_i
// (T5's buckets) tabulated: values is [(2 * max_distance + 1) x heads], row
// (p_j - p_i + max_distance), distances beyond max_distance clamped to it. (Rows by distance,
// so a model builds it with one embed of its bias table by bucket id.)
struct RelativeBias {
  const Matrix* values = nullptr;
  std::int64_t max_distance = 0;
};

struct AttentionSpec {
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;  // 0: heads (multi-head); 1: multi-query; between: grouped
  std::int64_t head_dim = 0;
  bool causal = false;
  AttentionWindow window;
  float scale = 0.0f;    // multiplies q.k (1/sqrt(head_dim) for BERT, 1 for T5); must be set
  float softcap = 0.0f;  // 0: none
  RelativeBias bias;     // values == nullptr: none
  bool rotary_on = false;
  RotarySpec rotary;
  // Of the GEMMs that made Q|K|V: BF16 or Int8 lets a backend multiply in bf16 (CUDA tensor
  // cores; the CPU's fused kernel where it has AVX-512 BF16); F32 keeps fp32 products.
  Precision precision = Precision::F32;

  std::int64_t kv_heads_or_heads() const { return kv_heads > 0 ? kv_heads : heads; }
  // BERT's attention: every head, bidirectional, 1/sqrt(d), nothing else.
  static AttentionSpec bidirectional(std::int64_t heads, std::int64_t head_dim, Precision precision = Precision::F32) {
    AttentionSpec s;
    s.heads = heads;
    s.head_dim = head_dim;
    s.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    s.precision = precision;
    return s;
  }
  // True for exactly what bidirectional() makes (the backends' fastest kernels).
  bool is_plain() const {
    return kv_heads_or_heads() == heads && !causal && window.kind == AttentionWindow::Kind::None &&
           softcap == 0.0f && bias.values == nullptr && !rotary_on &&
           scale == 1.0f / std::sqrt(static_cast<float>(head_dim));
  }
};

// The matrices one call reads and writes besides its output [Tq x heads * head_dim].
// Sequences are packed without padding; `*_starts` hold each sequence's first row plus the
// total (cu_seqlens).
struct AttentionInputs {
  // Self-attention: qkv is [T x (heads + 2 kv_heads) * head_dim] = Q | K | V.
  const Matrix* qkv = nullptr;
  std::span<const std::int32_t> seq_starts;
  // Cross-attention (qkv null): q [Tq x heads * head_dim] by seq_starts; sequence i attends to
  // sequence i of kv [Tk x 2 kv_heads * head_dim] = K | V, by kv_starts.
  const Matrix* q = nullptr;
  const Matrix* kv = nullptr;
  std::span<const std::int32_t> kv_starts;
  // KV cache (self-attention): prefix_kv [P x 2 kv_heads * head_dim] = K (rotated) | V of
  // packed prefixes (prefix_starts); sequence i continues prefix prefix_of[i] (-1: none), so
  // its tokens sit at positions after the prefix and attend to it. Many sequences may share a
  // prefix; it is stored once.
  const Matrix* prefix_kv = nullptr;
  std::span<const std::int32_t> prefix_starts;
  std::span<const std::int32_t> prefix_of;
  // Self-attention: this call's K (rotated) | V, written here [T x 2 kv_heads * head_dim]
  // when set, to be a later call's prefix_kv.
  Matrix* kv_out = nullptr;

  static AttentionInputs self(const Matrix& qkv, std::span<const std::int32_t> seq_starts) {
    AttentionInputs in;
    in.qkv = &qkv;
    in.seq_starts = seq_starts;
    return in;
  }
  static AttentionInputs cross(const Matrix& q, std::span<const std::int32_t> q_starts, const Matrix& kv,
                               std::span<const std::int32_t> kv_starts) {
    AttentionInputs in;
    in.q = &q;
    in.seq_starts = q_starts;
    in.kv = &kv;
    in.kv_starts = kv_starts;
    return in;
  }
};

}  // namespace rerank::engine
