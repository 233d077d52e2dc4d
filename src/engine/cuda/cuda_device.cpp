#include "engine/cuda/cuda_device.hpp"

#include <charconv>
#include <cstdio>

#include "engine/cuda/cublaslt_gemm.hpp"
#include "engine/cuda/cuda_buffer.hpp"
#include "engine/cuda/attention.hpp"
#include "engine/cuda/cuda_check.hpp"
#include "engine/cuda/cuda_session.hpp"
#include "engine/cuda/kernels.hpp"
#include "engine/cuda_precision_support.hpp"

namespace rerank::engine::cuda {

namespace {

// Restores the calling thread's current device when a Device method returns: a const
// method called from a worker that drives another GPU must not change its current device.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    if (cudaGetDevice(&previous_) != cudaSuccess) previous_ = -1;
    RERANK_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceGuard() {
    if (previous_ >= 0) cudaSetDevice(previous_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

// Error(NotSupported) when the GPU cannot run `precision` (bf16 below sm_80, int8 anywhere).
void require_precision(Precision precision, const cudaDeviceProp& props, int ordinal) {
  if (const auto why = cuda_precision_unsupported(precision, props.major, props.minor)) {
    throw Error(ErrorCode::NotSupported, "cuda:" + std::to_string(ordinal) + " (" + props.name + "): " + *why);
  }
}

class CudaDevice final : public Device {
 public:
  CudaDevice(int ordinal, const cudaDeviceProp& props, const DeviceOptions& options)
      : ordinal_(ordinal), props_(props), options_(options) {}

  // int8 is not supported on CUDA (refused here), so its activation scales never apply.
  std::unique_ptr<LinearWeights> make_linear(std::vector<float> weight, std::vector<float> bias, std::int64_t out,
                                             std::int64_t in, Precision precision, ActivationScales) const override {
    require_precision(precision, props_, ordinal_);
    DeviceGuard guard(ordinal_);
    return std::make_unique<CudaLinear>(weight, bias, out, in, precision);
  }

  std::unique_ptr<DeviceBuffer> upload(std::vector<float> values) const override {
    DeviceGuard guard(ordinal_);
    return std::make_unique<CudaBuffer>(values);
  }

  std::unique_ptr<Session> make_session() const override {
    DeviceGuard guard(ordinal_);
    return std::make_unique<CudaSession>(ordinal_, options_);
  }

  std::string describe() const override {
    int runtime = 0, driver = 0;
    cudaRuntimeGetVersion(&runtime);
    cudaDriverGetVersion(&driver);
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "cuda:%d %s (sm_%d%d, %d SMs, %.1f GiB), CUDA runtime %d.%d, driver %d.%d, cuBLASLt %zu; "
                  "fp32: cuBLASLt CUBLAS_COMPUTE_32F (TF32 off); bf16 (sm_80+): bf16 tensor cores, fp32 accumulate, "
                  "bf16 scratch between GEMMs (residual stream and norms fp32); int8: not supported",
                  ordinal_, props_.name, props_.major, props_.minor, props_.multiProcessorCount,
                  static_cast<double>(props_.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), runtime / 1000,
                  (runtime % 1000) / 10, driver / 1000, (driver % 1000) / 10, cublasLtGetVersion());
    return buf;
  }

  // No host compute threads: the GPU does the work.
  int threads() const override { return 1; }

 private:
  int ordinal_;
  cudaDeviceProp props_;
  DeviceOptions options_;
};

class CudaProbe final : public DeviceProbe {
 public:
  CudaProbe(int ordinal, const cudaDeviceProp& props, const DeviceOptions& options)
      : ordinal_(ordinal), props_(props), options_(options) {}

  double measure_gemm_peak_gflops(Precision precision) const override {
    require_precision(precision, props_, ordinal_);
    DeviceGuard guard(ordinal_);
    return measure_cublaslt_peak_gflops(precision, 8192);
  }

  std::string gemm_peak_method() const override { return "cuBLASLt 8192^3"; }

  int threads() const override { return 1; }

  // The whole device's used memory: our allocations never shrink (arenas keep their
  // high-water mark), so after a run this is that run's peak, plus the CUDA context.
  std::optional<std::size_t> accelerator_memory_in_use() const override {
    DeviceGuard guard(ordinal_);
    std::size_t free_bytes = 0, total = 0;
    if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) return std::nullopt;
    return total - free_bytes;
  }

  std::string attention_kernel(Precision precision, std::int64_t head_dim) const override {
    return attention_kernel_name(
        select_attention_kernel(precision == Precision::BF16, head_dim, options_.cuda_attention));
  }

 private:
  int ordinal_;
  cudaDeviceProp props_;
  DeviceOptions options_;
};

int parse_ordinal(const std::string& spec) {
  if (spec == "cuda") return 0;
  const std::string prefix = "cuda:";
  int n = -1;
  if (spec.rfind(prefix, 0) == 0 && spec.size() > prefix.size()) {
    const char* first = spec.data() + prefix.size();
    const char* last = spec.data() + spec.size();
    const auto [ptr, ec] = std::from_chars(first, last, n);
    if (ec != std::errc() || ptr != last) n = -1;
  }
  if (n < 0) {
    throw Error(ErrorCode::InvalidArgument, "malformed device '" + spec + "': use cuda or cuda:N (N = 0, 1, ...)");
  }
  return n;
}

// The ordinal and properties of the device `spec` names, once it is known to run our kernels.
int checked_ordinal(const std::string& spec, cudaDeviceProp* props_out) {
  const int ordinal = parse_ordinal(spec);
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    cudaGetLastError();
    std::string why = status != cudaSuccess ? std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status)
                                            : "the driver reports 0 devices";
    throw Error(ErrorCode::NotSupported,
                "device '" + spec + "': no CUDA device found (" + why + "); use --device cpu");
  }
  if (ordinal >= count) {
    throw Error(ErrorCode::NotSupported, "device '" + spec + "' does not exist: this machine has " +
                                             std::to_string(count) + " CUDA device(s), cuda:0 to cuda:" +
                                             std::to_string(count - 1));
  }
  cudaDeviceProp props{};
  RERANK_CUDA_CHECK(cudaGetDeviceProperties(&props, ordinal));
  DeviceGuard guard(ordinal);
  cudaError_t why = cudaSuccess;
  if (!kernels_runnable_on_current_device(&why)) {
    throw Error(ErrorCode::NotSupported,
                "device '" + spec + "' (" + props.name + ", sm_" + std::to_string(props.major) +
                    std::to_string(props.minor) + ") cannot run this build's CUDA kernels (" + cudaGetErrorString(why) +
                    "); rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(props.major) +
                    std::to_string(props.minor));
  }
  *props_out = props;
  return ordinal;
}

}  // namespace

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" status for later calls
    return 0;
  }
  return count;
}

std::unique_ptr<Device> make_cuda_device(const DeviceOptions& options) {
  cudaDeviceProp props{};
  const int ordinal = checked_ordinal(options.device, &props);
  return std::make_unique<CudaDevice>(ordinal, props, options);
}

std::unique_ptr<DeviceProbe> make_cuda_probe(const DeviceOptions& options) {
  cudaDeviceProp props{};
  const int ordinal = checked_ordinal(options.device, &props);
  return std::make_unique<CudaProbe>(ordinal, props, options);
}

}  // namespace rerank::engine::cuda
