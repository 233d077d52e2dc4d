#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::layer_norm(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer* beta, float eps, Matrix* copy) {
  const auto cols = static_cast<std::size_t>(x.cols);
  ops::require(gamma.size() == cols && (!beta || beta->size() == cols) && x.storage == Storage::F32, "layer_norm",
               [&] {
                 return "x " + describe(x) + " (fp32), gamma " + std::to_string(gamma.size()) + ", beta " +
                        (beta ? std::to_string(beta->size()) : std::string("none"));
               });
  ops::require(!copy || (copy->rows == x.rows && copy->cols == x.cols), "layer_norm",
               [&] { return "x " + describe(x) + ", copy " + describe(*copy); });
  if (x.rows == 0) return;
  layer_norm_primitive(x, gamma, beta, eps, copy);
}

}  // namespace rerank::engine
