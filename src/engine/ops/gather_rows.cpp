#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::gather_rows(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) {
  ops::require(out.cols == x.cols && out.rows == static_cast<std::int64_t>(rows.size()) &&
                   x.storage == Storage::F32 && out.storage == Storage::F32,
               "gather_rows", [&] {
                 return "x " + describe(x) + ", out " + describe(out) + ", " + std::to_string(rows.size()) +
                        " rows (fp32)";
               });
  for (const std::int32_t r : rows) {
    ops::require(r >= 0 && r < x.rows, "gather_rows",
                 [&] { return "row " + std::to_string(r) + " of x " + describe(x); });
  }
  if (rows.empty()) return;
  gather_rows_primitive(x, rows, out);
}

}  // namespace rerank::engine
