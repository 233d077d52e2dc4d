// The CPU's attention for every AttentionSpec: GQA, causal masks, windows, soft-capping,
// relative bias, rotary positions, cross-attention and a cached prefix. fp32 throughout, one
// (sequence, head) per work item; BERT's plain attention keeps its faster fused kernel
// (kernels.hpp, attention_head).
#pragma once

#include <cstdint>
#include <span>

#include "engine/arena.hpp"
#include "engine/attention_spec.hpp"

namespace rerank::engine::cpu {

// Operands checked by the op (engine/ops/attention.cpp). Temporaries (rotated Q and K,
// per-thread scores) come from `arena` and go back before it returns.
void attention_general(const AttentionInputs& in, const AttentionSpec& spec, Matrix& out, Arena& arena);

// Rotates the first rotated dims of each of `heads` heads (head_dim columns each, starting at
// column 0 of rows of stride ld) of one token at `position`, as RotarySpec says.
void rotate(float* row, std::int64_t heads, std::int64_t head_dim, std::int64_t position, const RotarySpec& spec,
            std::span<const float> inv_freq);

// transformers' inverse frequencies: 1 / theta^(2c / rotated) for c < rotated / 2, computed in
// fp32 like the reference, divided by the linear scaling.
std::vector<float> rotary_inverse_frequencies(const RotarySpec& spec, std::int64_t head_dim);

}  // namespace rerank::engine::cpu
