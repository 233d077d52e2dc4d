#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::linear(const Matrix& x, const LinearWeights& w, Matrix& y, const LinearEpilogue& epilogue) {
  const auto shapes = [&] {
    return "x " + describe(x) + ", W " + std::to_string(w.out_features()) + "x" + std::to_string(w.in_features()) +
           " " + std::string(precision_name(w.precision())) + ", y " + describe(y);
  };
  ops::require(x.cols == w.in_features() && y.cols == w.out_features() && x.rows == y.rows, "linear", shapes);
  const bool reduced_operand = x.storage != Storage::F32 || y.storage != Storage::F32;
  ops::require(!reduced_operand || w.precision() == Precision::BF16, "linear", [&] {
    return "only bf16 weights read or write bf16 matrices: " + shapes();
  });
  ops::require(!(epilogue.accumulate && y.storage != Storage::F32), "linear",
               [&] { return "a residual sum (accumulate) must be fp32: " + shapes(); });
  if (x.rows == 0) return;
  linear_primitive(x, w, y, epilogue);
}

}  // namespace rerank::engine
