#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::gated_activation(const Matrix& x, Matrix& out, Activation act) {
  ops::require(x.cols == 2 * out.cols && x.rows == out.rows && x.storage == Storage::F32 &&
                   out.storage == Storage::F32,
               "gated_activation", [&] { return "x " + describe(x) + " must be [n x 2m] for out " + describe(out) + " (fp32)"; });
  if (out.rows == 0 || out.cols == 0) return;
  gated_activation_primitive(x, out, act);
}

}  // namespace rerank::engine
