#include "engine/cuda_precision_support.hpp"

namespace rerank::engine {

std::optional<std::string> cuda_precision_unsupported(Precision precision, int major, int minor) {
  const std::string sm = "sm_" + std::to_string(major) + std::to_string(minor);
  switch (precision) {
    case Precision::F32:
      return std::nullopt;
    case Precision::BF16:
      if (major >= 8) return std::nullopt;
      return "bf16 needs bf16 tensor cores (sm_80 and newer); this GPU is " + sm + ": use --precision fp32";
    case Precision::Int8:
      return std::string("int8 linear layers are not supported on CUDA; use --precision bf16 or fp32");
  }
  return "unknown precision";
}

}  // namespace rerank::engine
