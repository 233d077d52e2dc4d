#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::activation(Matrix& x, Activation act) {
  if (act == Activation::None || x.rows == 0 || x.cols == 0) return;
  activation_primitive(x, act);
}

}  // namespace rerank::engine
