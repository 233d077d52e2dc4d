#include "engine/cuda/cublaslt_gemm.hpp"

#include <cuda_bf16.h>

#include <algorithm>
#include <cstring>

#include "engine/cuda/cuda_check.hpp"

namespace rerank::engine::cuda {

namespace {

constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;
constexpr std::size_t kMaxPlans = 512;  // distinct token counts; cleared when exceeded

// Round to nearest even, like __float2bfloat16_rn (NaN stays NaN).
std::uint16_t to_bf16_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

cudaDataType_t input_type(Precision p) { return p == Precision::BF16 ? CUDA_R_16BF : CUDA_R_32F; }

}  // namespace

CudaLinear::CudaLinear(const std::vector<float>& weight, const std::vector<float>& bias, std::int64_t out,
                       std::int64_t in, Precision precision)
    : in_(in), out_(out), precision_(precision) {
  if (precision == Precision::Int8) {  // CudaDevice refuses it first (cuda_precision_unsupported)
    throw Error(ErrorCode::Internal, "CUDA linear layer: int8 weights reached the cuBLASLt path");
  }
  if (out <= 0 || in <= 0 || weight.size() != static_cast<std::size_t>(out * in) ||
      (!bias.empty() && bias.size() != static_cast<std::size_t>(out))) {
    throw Error(ErrorCode::Internal, "CUDA linear layer: weight/bias sizes do not match " +
                                         std::to_string(out) + "x" + std::to_string(in));
  }
  if (precision == Precision::BF16) {
    std::vector<std::uint16_t> w16(weight.size());
    std::transform(weight.begin(), weight.end(), w16.begin(), to_bf16_bits);
    weight_ = Allocation(MemoryKind::Device, w16.size() * sizeof(std::uint16_t));
    RERANK_CUDA_CHECK(cudaMemcpy(weight_.get(), w16.data(), weight_.size(), cudaMemcpyHostToDevice));
  } else {
    weight_ = Allocation(MemoryKind::Device, weight.size() * sizeof(float));
    RERANK_CUDA_CHECK(cudaMemcpy(weight_.get(), weight.data(), weight_.size(), cudaMemcpyHostToDevice));
  }
  if (!bias.empty()) {
    bias_ = Allocation(MemoryKind::Device, bias.size() * sizeof(float));
    RERANK_CUDA_CHECK(cudaMemcpy(bias_.get(), bias.data(), bias_.size(), cudaMemcpyHostToDevice));
    if (precision == Precision::BF16) {
      std::vector<std::uint16_t> b16(bias.size());
      std::transform(bias.begin(), bias.end(), b16.begin(), to_bf16_bits);
      bias_bf16_ = Allocation(MemoryKind::Device, b16.size() * sizeof(std::uint16_t));
      RERANK_CUDA_CHECK(cudaMemcpy(bias_bf16_.get(), b16.data(), bias_bf16_.size(), cudaMemcpyHostToDevice));
    }
  }
}

GemmRunner::GemmRunner() : workspace_(MemoryKind::Device, kWorkspaceBytes) {
  RERANK_CUBLAS_CHECK(cublasLtCreate(&handle_));
}

GemmRunner::~GemmRunner() {
  for (auto& [key, p] : plans_) destroy(p);
  if (handle_) cublasLtDestroy(handle_);
}

void GemmRunner::destroy(Plan& p) noexcept {
  if (p.desc) cublasLtMatmulDescDestroy(p.desc);
  if (p.a) cublasLtMatrixLayoutDestroy(p.a);
  if (p.b) cublasLtMatrixLayoutDestroy(p.b);
  if (p.c) cublasLtMatrixLayoutDestroy(p.c);
  p = Plan{};
}

GemmRunner::Plan& GemmRunner::plan(const Key& key, const CudaLinear& w) {
  auto it = plans_.find(key);
  if (it != plans_.end()) return it->second;
  if (plans_.size() >= kMaxPlans) {
    for (auto& [k, p] : plans_) destroy(p);
    plans_.clear();
  }
  const auto [rows, in, out, prec, accumulate, has_bias, out_bf16] = key;
  Plan p;
  try {
    // Column-major view: D[out x rows] = op(A)[out x in] * B[in x rows] with A = W stored as
    // [in x out] (ld in) and transposed, B = x^T stored as [in x rows] (ld in).
    // CUBLAS_COMPUTE_32F never uses TF32 (that would be CUBLAS_COMPUTE_32F_FAST_TF32).
    RERANK_CUBLAS_CHECK(cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
    RERANK_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof(trans_a)));
    RERANK_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof(trans_b)));
    if (has_bias) {
      // The bias is added in the GEMM's epilogue (one row of D per output feature).
      const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
      const cudaDataType_t bias_type = out_bf16 ? CUDA_R_16BF : CUDA_R_32F;  // the output's type
      RERANK_CUBLAS_CHECK(
          cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)));
      RERANK_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE,
                                                         &bias_type, sizeof(bias_type)));
      const void* bias = out_bf16 ? w.bias_bf16() : static_cast<const void*>(w.bias());
      RERANK_CUBLAS_CHECK(
          cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
    }
    const cudaDataType_t in_type = input_type(static_cast<Precision>(prec));
    RERANK_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p.a, in_type, static_cast<std::uint64_t>(in),
                                                   static_cast<std::uint64_t>(out), in));
    RERANK_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p.b, in_type, static_cast<std::uint64_t>(in),
                                                   static_cast<std::uint64_t>(rows), in));
    RERANK_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p.c, out_bf16 ? CUDA_R_16BF : CUDA_R_32F,
                                                   static_cast<std::uint64_t>(out),
                                                   static_cast<std::uint64_t>(rows), out));

    cublasLtMatmulPreference_t pref = nullptr;
    RERANK_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    const std::uint64_t ws = workspace_.size();
    cublasStatus_t st =
        cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    if (st == CUBLAS_STATUS_SUCCESS) {
      st = cublasLtMatmulAlgoGetHeuristic(handle_, p.desc, p.a, p.b, p.c, p.c, pref, 1, &result, &found);
    }
    cublasLtMatmulPreferenceDestroy(pref);
    RERANK_CUBLAS_CHECK(st);
    if (found == 0) {
      throw Error(ErrorCode::Backend, "cuBLASLt has no algorithm for a " +
                                          std::string(precision_name(static_cast<Precision>(prec))) +
                                          " GEMM of " + std::to_string(rows) + "x" + std::to_string(in) +
                                          " by " + std::to_string(in) + "x" + std::to_string(out));
    }
    p.algo = result.algo;
  } catch (...) {
    destroy(p);
    throw;
  }
  return plans_.emplace(key, p).first->second;
}

void GemmRunner::run(const void* x, const CudaLinear& w, void* y, bool y_bf16, std::int64_t rows,
                     bool accumulate, cudaStream_t stream) {
  if (rows <= 0) return;
  if (y_bf16 && (w.precision() != Precision::BF16 || accumulate)) {
    throw Error(ErrorCode::Internal, "CUDA linear: a bf16 output needs bf16 weights and no accumulation");
  }
  const bool has_bias = w.bias() != nullptr;
  Plan& p = plan(Key{rows, w.in_features(), w.out_features(), static_cast<int>(w.precision()), accumulate,
                     has_bias, y_bf16},
                 w);
  if (has_bias) {
    // Plans are shared by every layer of the same shape; the bias is this layer's.
    const void* bias = y_bf16 ? w.bias_bf16() : static_cast<const void*>(w.bias());
    RERANK_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
  }
  const float alpha = 1.0f;
  const float beta = accumulate ? 1.0f : 0.0f;
  RERANK_CUBLAS_CHECK(cublasLtMatmul(handle_, p.desc, &alpha, w.weight(), p.a, x, p.b, &beta, y, p.c, y, p.c,
                                     &p.algo, workspace_.get(), workspace_.size(), stream));
}

double measure_cublaslt_peak_gflops(Precision precision, std::int64_t n) {
  if (precision == Precision::Int8) {  // CudaProbe refuses it first (cuda_precision_unsupported)
    throw Error(ErrorCode::Internal, "cuBLASLt peak: int8 reached the fp32/bf16 measurement");
  }
  const bool bf16 = precision == Precision::BF16;
  const cudaDataType_t type = bf16 ? CUDA_R_16BF : CUDA_R_32F;
  const std::size_t elem = bf16 ? 2 : 4;
  const std::size_t bytes = static_cast<std::size_t>(n) * static_cast<std::size_t>(n) * elem;
  Allocation a(MemoryKind::Device, bytes), b(MemoryKind::Device, bytes), c(MemoryKind::Device, bytes);
  // Small non-zero values: all-zero inputs can take shortcuts in some hardware paths.
  RERANK_CUDA_CHECK(cudaMemset(a.get(), 0x3c, bytes));
  RERANK_CUDA_CHECK(cudaMemset(b.get(), 0x3c, bytes));
  Allocation workspace(MemoryKind::Device, kWorkspaceBytes);

  cublasLtHandle_t handle = nullptr;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t layout = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  double best_ms = 0.0;
  auto cleanup = [&]() noexcept {
    if (start) cudaEventDestroy(start);
    if (stop) cudaEventDestroy(stop);
    if (stream) cudaStreamDestroy(stream);
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (layout) cublasLtMatrixLayoutDestroy(layout);
    if (desc) cublasLtMatmulDescDestroy(desc);
    if (handle) cublasLtDestroy(handle);
  };
  try {
    RERANK_CUBLAS_CHECK(cublasLtCreate(&handle));
    RERANK_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    RERANK_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&layout, type, static_cast<std::uint64_t>(n),
                                                   static_cast<std::uint64_t>(n), n));
    RERANK_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    const std::uint64_t ws = workspace.size();
    RERANK_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                             &ws, sizeof(ws)));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    RERANK_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(handle, desc, layout, layout, layout, layout, pref, 1,
                                                       &result, &found));
    if (found == 0) throw Error(ErrorCode::Backend, "cuBLASLt has no algorithm for the peak GEMM");
    RERANK_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    RERANK_CUDA_CHECK(cudaEventCreate(&start));
    RERANK_CUDA_CHECK(cudaEventCreate(&stop));
    const float alpha = 1.0f, beta = 0.0f;
    auto gemm = [&]() {
      RERANK_CUBLAS_CHECK(cublasLtMatmul(handle, desc, &alpha, a.get(), layout, b.get(), layout, &beta,
                                         c.get(), layout, c.get(), layout, &result.algo, workspace.get(),
                                         workspace.size(), stream));
    };
    for (int i = 0; i < 3; ++i) gemm();  // warm-up: clocks up, kernels loaded
    constexpr int kReps = 5;
    for (int round = 0; round < 3; ++round) {
      RERANK_CUDA_CHECK(cudaEventRecord(start, stream));
      for (int i = 0; i < kReps; ++i) gemm();
      RERANK_CUDA_CHECK(cudaEventRecord(stop, stream));
      RERANK_CUDA_CHECK(cudaEventSynchronize(stop));
      float ms = 0.0f;
      RERANK_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
      const double per = ms / kReps;
      if (best_ms == 0.0 || per < best_ms) best_ms = per;
    }
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  return flops / (best_ms * 1e-3) / 1e9;
}

}  // namespace rerank::engine::cuda
