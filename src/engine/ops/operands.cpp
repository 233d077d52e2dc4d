#include "engine/ops/operands.hpp"

#include "rerank/error.hpp"

namespace rerank::engine::ops {

void reject_operands(const char* op, const std::string& detail) {
  throw Error(ErrorCode::Internal, std::string(op) + ": inconsistent operands (" + detail + ")");
}

}  // namespace rerank::engine::ops
