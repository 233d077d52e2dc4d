#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::rms_norm(Matrix& x, const DeviceBuffer& gamma, float eps) {
  ops::require(gamma.size() == static_cast<std::size_t>(x.cols) && x.storage == Storage::F32 && eps >= 0.0f,
               "rms_norm", [&] {
                 return "x " + describe(x) + " (fp32), gamma " + std::to_string(gamma.size()) + ", eps " +
                        std::to_string(eps);
               });
  if (x.rows == 0 || x.cols == 0) return;
  rms_norm_primitive(x, gamma, eps);
}

}  // namespace rerank::engine
