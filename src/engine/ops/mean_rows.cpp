#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::mean_rows(const Matrix& x, std::span<const std::int32_t> seq_starts, Matrix& out) {
  ops::require(seq_starts.size() >= 2 && seq_starts.front() == 0 && seq_starts.back() == x.rows &&
                   out.rows == static_cast<std::int64_t>(seq_starts.size()) - 1 && out.cols == x.cols &&
                   x.storage == Storage::F32 && out.storage == Storage::F32,
               "mean_rows", [&] {
                 return "x " + describe(x) + ", out " + describe(out) + ", " + std::to_string(seq_starts.size()) +
                        " sequence starts (from 0 to x's rows, one output row per sequence, fp32)";
               });
  for (std::size_t i = 1; i < seq_starts.size(); ++i) {
    ops::require(seq_starts[i] > seq_starts[i - 1], "mean_rows",
                 [] { return std::string("every sequence needs at least one row"); });
  }
  mean_rows_primitive(x, seq_starts, out);
}

}  // namespace rerank::engine
