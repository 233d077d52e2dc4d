#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::feed_forward(const Matrix& x, const LinearWeights& up, Activation act, const LinearWeights& down,
                           Matrix& intermediate, Matrix& hidden) {
  ops::check_linear("feed_forward", x, up, intermediate, {act, false});
  ops::check_linear("feed_forward", intermediate, down, hidden, {Activation::None, true});
  if (x.rows == 0) return;
  feed_forward_primitive(x, up, act, down, intermediate, hidden);
}

}  // namespace rerank::engine
