#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::convert(const Matrix& x, Matrix& out) {
  ops::require(x.rows == out.rows && x.cols == out.cols, "convert",
               [&] { return "x " + describe(x) + ", out " + describe(out); });
  if (x.rows == 0 || x.cols == 0) return;
  convert_primitive(x, out);
}

}  // namespace rerank::engine
