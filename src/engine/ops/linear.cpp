#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

namespace ops {

void check_linear(const char* op, const Matrix& x, const LinearWeights& w, const Matrix& y,
                  const LinearEpilogue& epilogue) {
  const auto shapes = [&] {
    return "x " + describe(x) + ", W " + std::to_string(w.out_features()) + "x" + std::to_string(w.in_features()) +
           " " + std::string(precision_name(w.precision())) + ", y " + describe(y);
  };
  require(x.cols == w.in_features() && y.cols == w.out_features() && x.rows == y.rows, op, shapes);
  const bool reduced_operand = x.storage != Storage::F32 || y.storage != Storage::F32;
  require(!reduced_operand || w.precision() == Precision::BF16, op, [&] {
    return "only bf16 weights read or write bf16 matrices: " + shapes();
  });
  require(!(epilogue.accumulate && y.storage != Storage::F32), op,
          [&] { return "a residual sum (accumulate) must be fp32: " + shapes(); });
}

}  // namespace ops

void Session::linear(const Matrix& x, const LinearWeights& w, Matrix& y, const LinearEpilogue& epilogue) {
  ops::check_linear("linear", x, w, y, epilogue);
  if (x.rows == 0) return;
  linear_primitive(x, w, y, epilogue);
}

}  // namespace rerank::engine
