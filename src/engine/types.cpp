// The names of the engine's value types: precisions (parsed from options and flags) and the
// matrix descriptions op errors print.
#include "engine/types.hpp"

#include "engine/device.hpp"
#include "rerank/error.hpp"

namespace rerank::engine {

Precision parse_precision(std::string_view name) {
  if (name == "fp32" || name == "float32" || name == "f32" || name.empty()) return Precision::F32;
  if (name == "bf16" || name == "bfloat16") return Precision::BF16;
  if (name == "int8" || name == "i8" || name == "q8") return Precision::Int8;
  throw Error(ErrorCode::InvalidArgument, "unknown precision '" + std::string(name) + "' (use fp32, bf16 or int8)");
}

std::string_view precision_name(Precision p) {
  switch (p) {
    case Precision::F32: return "fp32";
    case Precision::BF16: return "bf16";
    case Precision::Int8: return "int8";
  }
  return "?";
}

std::string_view storage_name(Storage s) { return s == Storage::BF16 ? "bf16" : "fp32"; }

std::string describe(const Matrix& m) {
  std::string s = std::to_string(m.rows) + "x" + std::to_string(m.cols);
  if (m.storage != Storage::F32) s += " " + std::string(storage_name(m.storage));
  return s;
}

CudaAttentionKernel parse_cuda_attention_kernel(std::string_view name) {
  if (name == "auto") return CudaAttentionKernel::Auto;
  if (name == "wmma") return CudaAttentionKernel::Wmma;
  throw Error(ErrorCode::InvalidArgument,
              "unknown CUDA attention kernel '" + std::string(name) + "' (use auto or wmma)");
}

}  // namespace rerank::engine

namespace rerank::engine {

Matrix row_range(const Matrix& m, std::int64_t first, std::int64_t count) {
  if (first < 0 || count < 0 || first + count > m.rows) {
    throw Error(ErrorCode::Internal, "row_range: rows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                                         ") of a " + describe(m) + " matrix");
  }
  const std::size_t element = m.storage == Storage::BF16 ? 2 : sizeof(float);
  Matrix view = m;
  view.data = reinterpret_cast<float*>(reinterpret_cast<char*>(m.data) +
                                       static_cast<std::size_t>(first * m.cols) * element);
  view.rows = count;
  return view;
}

}  // namespace rerank::engine
