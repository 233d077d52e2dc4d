#include "engine/device_factory.hpp"

#include <algorithm>

#include "engine/cpu/cpu_device.hpp"
#ifdef RERANK_HAVE_CUDA
#include "engine/cuda/cuda_device.hpp"
#endif
#include "rerank/error.hpp"

namespace rerank::engine {

namespace {

enum class Backend { Cpu, Cuda };

// The CUDA devices this build can drive: 0 without the backend, a driver or a GPU.
int cuda_devices() {
#ifdef RERANK_HAVE_CUDA
  return cuda::cuda_device_count();
#else
  return 0;
#endif
}

// Which backend options.device names, or the error saying why none can run it.
Backend backend_of(const DeviceOptions& options) {
  if (device_kind(options.device) == "cpu") return Backend::Cpu;
#ifdef RERANK_HAVE_CUDA
  return Backend::Cuda;
#else
  throw Error(ErrorCode::NotSupported, "device '" + options.device +
                                           "': this build of rerank has no CUDA backend; rebuild with "
                                           "-DRERANK_CUDA=ON (needs the CUDA toolkit) or use --device cpu");
#endif
}

}  // namespace

std::string device_kind(const std::string& device) {
  if (device.empty() || device == "cpu") return "cpu";
  if (device.find(',') != std::string::npos || device == "cuda:all") {
    throw Error(ErrorCode::InvalidArgument, "device '" + device +
                                                "' names several devices: one engine per device is what `rerank "
                                                "serve` does; give one device (cpu, cuda or cuda:N) here");
  }
  if (device.rfind("cuda", 0) == 0) return "cuda";
  throw Error(ErrorCode::InvalidArgument, "unknown device '" + device + "' (use cpu or cuda[:N])");
}

std::vector<std::string> expand_device_list(std::string_view list) {
  std::vector<std::string> devices;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t comma = list.find(',', begin);
    const std::string name(list.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin));
    if (name.empty()) {
      throw Error(ErrorCode::InvalidArgument, "device list '" + std::string(list) +
                                                  "' has an empty name: use NAME[,NAME...] with cpu, cuda, "
                                                  "cuda:N or cuda:all");
    }
    if (name == "cuda:all") {
      const int count = cuda_devices();
      if (count == 0) {
        throw Error(ErrorCode::NotSupported,
                    "device 'cuda:all': no CUDA device found (or this build has no CUDA backend); use --device cpu");
      }
      for (int i = 0; i < count; ++i) devices.push_back("cuda:" + std::to_string(i));
    } else {
      devices.push_back(name);
    }
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  const auto is_cpu = [](const std::string& d) { return d == "cpu"; };
  if (!std::all_of(devices.begin(), devices.end(), is_cpu) && std::any_of(devices.begin(), devices.end(), is_cpu)) {
    throw Error(ErrorCode::InvalidArgument, "device list '" + std::string(list) +
                                                "' mixes cpu and cuda: the replicas of a model share one queue, "
                                                "so they should run at one speed; list GPUs or CPUs");
  }
  return devices;
}

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
