// Device selection and the precision names: the one place that knows which backends exist.
#include "engine/device.hpp"

#include "engine/cpu/cpu_device.hpp"
#ifdef RERANK_HAVE_CUDA
#include "engine/cuda/cuda_device.hpp"
#endif
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

std::unique_ptr<Device> make_device(const DeviceOptions& options) {
  if (options.device.empty() || options.device == "cpu") return cpu::make_cpu_device(options.threads);
  if (options.device.rfind("cuda", 0) == 0) {
#ifdef RERANK_HAVE_CUDA
    return cuda::make_cuda_device(options.device);
#else
    throw Error(ErrorCode::NotSupported, "device '" + options.device +
                                             "': this build of rerank has no CUDA backend; rebuild with "
                                             "-DRERANK_CUDA=ON (needs the CUDA toolkit) or use --device cpu");
#endif
  }
  throw Error(ErrorCode::InvalidArgument, "unknown device '" + options.device + "' (use cpu or cuda[:N])");
}

}  // namespace rerank::engine
