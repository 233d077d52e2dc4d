// How an op rejects operands that do not fit: Error(Internal) naming the op and what is
// wrong. A model passing such operands is a bug in rerank, never bad user input (the
// rankers validate requests before a forward pass), hence Internal.
#pragma once

#include <string>

#include "engine/types.hpp"

namespace rerank::engine::ops {

[[noreturn]] void reject_operands(const char* op, const std::string& detail);

// reject_operands(op, detail()) unless ok; `detail` is called only on failure, so checks
// cost no string building on the hot path.
template <typename Detail>
inline void require(bool ok, const char* op, Detail&& detail) {
  if (!ok) reject_operands(op, detail());
}

// The linear op's operand rules (shapes; bf16 matrices only with bf16 weights; a residual
// sum into fp32), for the ops made of linear products.
void check_linear(const char* op, const Matrix& x, const LinearWeights& w, const Matrix& y,
                  const LinearEpilogue& epilogue);

}  // namespace rerank::engine::ops
