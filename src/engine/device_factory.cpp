#include "engine/device_factory.hpp"

#include "engine/cpu/cpu_device.hpp"
#ifdef RERANK_HAVE_CUDA
#include "engine/cuda/cuda_device.hpp"
#endif
#include "rerank/error.hpp"

namespace rerank::engine {

namespace {

enum class Backend { Cpu, Cuda };

// Which backend options.device names, or the error saying why none can run it.
Backend backend_of(const DeviceOptions& options) {
  if (options.device.empty() || options.device == "cpu") return Backend::Cpu;
  if (options.device.rfind("cuda", 0) == 0) {
#ifdef RERANK_HAVE_CUDA
    return Backend::Cuda;
#else
    throw Error(ErrorCode::NotSupported, "device '" + options.device +
                                             "': this build of rerank has no CUDA backend; rebuild with "
                                             "-DRERANK_CUDA=ON (needs the CUDA toolkit) or use --device cpu");
#endif
  }
  throw Error(ErrorCode::InvalidArgument, "unknown device '" + options.device + "' (use cpu or cuda[:N])");
}

}  // namespace

std::unique_ptr<Device> make_device(const DeviceOptions& options) {
  if (backend_of(options) == Backend::Cpu) return cpu::make_cpu_device(options.threads);
#ifdef RERANK_HAVE_CUDA
  return cuda::make_cuda_device(options);
#else
  throw Error(ErrorCode::Internal, "no backend for device '" + options.device + "'");
#endif
}

std::unique_ptr<DeviceProbe> make_device_probe(const DeviceOptions& options) {
  if (backend_of(options) == Backend::Cpu) return cpu::make_cpu_probe(options.threads);
#ifdef RERANK_HAVE_CUDA
  return cuda::make_cuda_probe(options);
#else
  throw Error(ErrorCode::Internal, "no backend for device '" + options.device + "'");
#endif
}

}  // namespace rerank::engine
