#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::rms_norm_heads(Matrix& x, std::int64_t first_col, std::int64_t heads, const DeviceBuffer& gamma,
                             float eps) {
  const auto head_dim = static_cast<std::int64_t>(gamma.size());
  ops::require(x.storage == Storage::F32 && eps >= 0.0f && first_col >= 0 && heads >= 0 && head_dim > 0 &&
                   first_col + heads * head_dim <= x.cols,
               "rms_norm_heads", [&] {
                 return "x " + describe(x) + " (fp32), columns " + std::to_string(first_col) + " + " +
                        std::to_string(heads) + " heads x " + std::to_string(head_dim) + " (gamma), eps " +
                        std::to_string(eps);
               });
  if (x.rows == 0 || heads == 0) return;
  rms_norm_heads_primitive(x, first_col, heads, gamma, eps);
}

}  // namespace rerank::engine
