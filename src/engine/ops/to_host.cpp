#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::to_host(const Matrix& x, float* dst) {
  ops::require(x.storage == Storage::F32, "to_host", [&] { return "x " + describe(x) + " must be fp32"; });
  if (x.rows == 0 || x.cols == 0) return;
  to_host_primitive(x, dst);
}

}  // namespace rerank::engine
