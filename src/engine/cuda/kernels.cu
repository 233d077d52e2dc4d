// Element-wise and row-wise kernels. Built without --use_fast_math: the fp32 path must match
// the CPU backend within 1e-4 per logit, so erff/tanhf/rsqrtf are the accurate versions.
#include <cuda_bf16.h>

#include <algorithm>

#include "engine/cuda/cuda_check.hpp"
#include "engine/cuda/kernels.hpp"

namespace rerank::engine::cuda {

namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ float apply_activation(float x, Activation act) {
  switch (act) {
    case Activation::None:
      return x;
    case Activation::GeluErf:
      return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
    case Activation::GeluTanh: {
      const float inner = 0.79788456080286535588f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.0f + tanhf(inner));
    }
    case Activation::Relu:
      return x > 0.0f ? x : 0.0f;
    case Activation::Tanh:
      return tanhf(x);
    case Activation::Silu:
      return x / (1.0f + expf(-x));
  }
  return x;
}

unsigned grid_for(std::int64_t n, int threads) {
  // Grid-stride loops: enough blocks to fill the GPU, never more than the work needs.
  const std::int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<std::int64_t>(blocks, 1, 65535 * 8));
}

__global__ void embed_kernel(const std::int32_t* ids, const std::int32_t* positions,
                             const std::int32_t* types, std::int64_t tokens, const float* word,
                             const float* position, const float* token_type, std::int64_t width, float* out) {
  for (std::int64_t t = blockIdx.x; t < tokens; t += gridDim.x) {
    const float* w = word + static_cast<std::int64_t>(ids[t]) * width;
    const float* p = position ? position + static_cast<std::int64_t>(positions[t]) * width : nullptr;
    const float* ty = token_type ? token_type + static_cast<std::int64_t>(types[t]) * width : nullptr;
    float* dst = out + t * width;
    for (std::int64_t c = threadIdx.x; c < width; c += blockDim.x) {
      // Same association as the CPU backend: (word + position) + token_type.
      float v = w[c];
      if (p) v += p[c];
      if (ty) v += ty[c];
      dst[c] = v;
    }
  }
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// One warp per row; two passes (mean, then centred variance) for accuracy.
__global__ void layer_norm_kernel(float* x, std::int64_t rows, std::int64_t cols, const float* gamma,
                                  const float* beta, float eps, __nv_bfloat16* bf16_copy) {
  const int lane = threadIdx.x % 32;
  const std::int64_t warps_per_block = blockDim.x / 32;
  for (std::int64_t r = blockIdx.x * warps_per_block + threadIdx.x / 32; r < rows;
       r += gridDim.x * warps_per_block) {
    float* row = x + r * cols;
    float sum = 0.0f;
    for (std::int64_t c = lane; c < cols; c += 32) sum += row[c];
    const float mean = warp_sum(sum) / static_cast<float>(cols);
    float sq = 0.0f;
    for (std::int64_t c = lane; c < cols; c += 32) {
      const float d = row[c] - mean;
      sq += d * d;
    }
    const float var = warp_sum(sq) / static_cast<float>(cols);
    const float inv = 1.0f / sqrtf(var + eps);
    if (bf16_copy) {
      __nv_bfloat16* copy = bf16_copy + r * cols;
      for (std::int64_t c = lane; c < cols; c += 32) {
        const float v = (row[c] - mean) * inv * gamma[c] + beta[c];
        row[c] = v;
        copy[c] = __float2bfloat16_rn(v);
      }
    } else {
      for (std::int64_t c = lane; c < cols; c += 32) row[c] = (row[c] - mean) * inv * gamma[c] + beta[c];
    }
  }
}

// The same layer norm with the row in registers: V float4 per lane (cols = 128 V), one read
// and one write of the row instead of three passes over it.
template <int V>
__global__ void layer_norm_rows_kernel(float* x, std::int64_t rows, const float* gamma, const float* beta,
                                       float eps, __nv_bfloat16* bf16_copy) {
  constexpr int kCols = 128 * V;
  const int lane = threadIdx.x % 32;
  const std::int64_t warps_per_block = blockDim.x / 32;
  for (std::int64_t r = blockIdx.x * warps_per_block + threadIdx.x / 32; r < rows;
       r += gridDim.x * warps_per_block) {
    float4* row = reinterpret_cast<float4*>(x + r * kCols);
    float4 v[V];
    float sum = 0.0f;
#pragma unroll
    for (int i = 0; i < V; ++i) {
      v[i] = row[lane + 32 * i];
      sum += (v[i].x + v[i].y) + (v[i].z + v[i].w);
    }
    const float mean = warp_sum(sum) / static_cast<float>(kCols);
    float sq = 0.0f;
#pragma unroll
    for (int i = 0; i < V; ++i) {
      const float a = v[i].x - mean, b = v[i].y - mean, c = v[i].z - mean, d = v[i].w - mean;
      sq += (a * a + b * b) + (c * c + d * d);
    }
    const float inv = 1.0f / sqrtf(warp_sum(sq) / static_cast<float>(kCols) + eps);
#pragma unroll
    for (int i = 0; i < V; ++i) {
      const int c = 4 * (lane + 32 * i);
      const float4 g = *reinterpret_cast<const float4*>(gamma + c);
      const float4 b = *reinterpret_cast<const float4*>(beta + c);
      const float4 out = make_float4((v[i].x - mean) * inv * g.x + b.x, (v[i].y - mean) * inv * g.y + b.y,
                                     (v[i].z - mean) * inv * g.z + b.z, (v[i].w - mean) * inv * g.w + b.w);
      row[lane + 32 * i] = out;
      if (bf16_copy) {
        __nv_bfloat162* dst = reinterpret_cast<__nv_bfloat162*>(bf16_copy + r * kCols + c);
        dst[0] = __floats2bfloat162_rn(out.x, out.y);
        dst[1] = __floats2bfloat162_rn(out.z, out.w);
      }
    }
  }
}

// 8 values per 16-byte access: the FFN intermediate is the largest matrix of a pass.
__global__ void activation_bf16_kernel(__nv_bfloat16* y, std::int64_t n, Activation act) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t first = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  std::int64_t done = 0;
  if (reinterpret_cast<std::uintptr_t>(y) % 16 == 0) {
    auto* y8 = reinterpret_cast<int4*>(y);
    for (std::int64_t i = first; i < n / 8; i += stride) {
      int4 raw = y8[i];
      auto* v = reinterpret_cast<__nv_bfloat162*>(&raw);
#pragma unroll
      for (int k = 0; k < 4; ++k) {
        const float2 f = __bfloat1622float2(v[k]);
        v[k] = __floats2bfloat162_rn(apply_activation(f.x, act), apply_activation(f.y, act));
      }
      y8[i] = raw;
    }
    done = n / 8 * 8;
  }
  for (std::int64_t i = done + first; i < n; i += stride) {
    y[i] = __float2bfloat16_rn(apply_activation(__bfloat162float(y[i]), act));
  }
}

__global__ void bias_activation_kernel(float* y, std::int64_t rows, std::int64_t cols, const float* bias,
                                       Activation act) {
  const std::int64_t n = rows * cols;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    float v = y[i];
    if (bias) v += bias[i % cols];
    y[i] = apply_activation(v, act);
  }
}

__global__ void gather_rows_kernel(const float* x, std::int64_t cols, const std::int32_t* rows,
                                   std::int64_t n, float* out) {
  for (std::int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const float* src = x + static_cast<std::int64_t>(rows[i]) * cols;
    for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) out[i * cols + c] = src[c];
  }
}

__global__ void to_bf16_kernel(const float* x, std::int64_t n, __nv_bfloat16* out) {
  // Pairs where possible: half the stores.
  const std::int64_t pairs = n / 2;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t first = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  const bool aligned =
      (reinterpret_cast<std::uintptr_t>(x) % 8 == 0) && (reinterpret_cast<std::uintptr_t>(out) % 4 == 0);
  if (aligned) {
    const auto* x2 = reinterpret_cast<const float2*>(x);
    auto* o2 = reinterpret_cast<__nv_bfloat162*>(out);
    for (std::int64_t i = first; i < pairs; i += stride) o2[i] = __float22bfloat162_rn(x2[i]);
    if (first == 0 && (n & 1)) out[n - 1] = __float2bfloat16_rn(x[n - 1]);
  } else {
    for (std::int64_t i = first; i < n; i += stride) out[i] = __float2bfloat16_rn(x[i]);
  }
}

}  // namespace

void launch_embed(const std::int32_t* ids, const std::int32_t* positions, const std::int32_t* types,
                  std::int64_t tokens, const float* word, const float* position, const float* token_type,
                  std::int64_t width, float* out, cudaStream_t stream) {
  if (tokens <= 0 || width <= 0) return;
  const int threads = width >= 256 ? 256 : 128;
  embed_kernel<<<static_cast<unsigned>(std::min<std::int64_t>(tokens, 65535 * 8)), threads, 0, stream>>>(
      ids, positions, types, tokens, word, position, token_type, width, out);
  RERANK_CUDA_CHECK_LAUNCH("embed");
}

void launch_layer_norm(float* x, std::int64_t rows, std::int64_t cols, const float* gamma, const float* beta,
                       float eps, void* bf16_copy, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const std::int64_t rows_per_block = kThreads / 32;
  const auto blocks =
      static_cast<unsigned>(std::min<std::int64_t>((rows + rows_per_block - 1) / rows_per_block, 65535 * 8));
  auto* copy = static_cast<__nv_bfloat16*>(bf16_copy);
  const bool aligned = reinterpret_cast<std::uintptr_t>(x) % 16 == 0 &&
                       reinterpret_cast<std::uintptr_t>(gamma) % 16 == 0 &&
                       reinterpret_cast<std::uintptr_t>(beta) % 16 == 0 &&
                       reinterpret_cast<std::uintptr_t>(bf16_copy) % 8 == 0;
  switch (aligned && cols % 128 == 0 ? cols / 128 : 0) {
    case 1:
      layer_norm_rows_kernel<1><<<blocks, kThreads, 0, stream>>>(x, rows, gamma, beta, eps, copy);
      break;
    case 2:
      layer_norm_rows_kernel<2><<<blocks, kThreads, 0, stream>>>(x, rows, gamma, beta, eps, copy);
      break;
    case 3:
      layer_norm_rows_kernel<3><<<blocks, kThreads, 0, stream>>>(x, rows, gamma, beta, eps, copy);
      break;
    case 4:
      layer_norm_rows_kernel<4><<<blocks, kThreads, 0, stream>>>(x, rows, gamma, beta, eps, copy);
      break;
    case 6:
      layer_norm_rows_kernel<6><<<blocks, kThreads, 0, stream>>>(x, rows, gamma, beta, eps, copy);
      break;
    case 8:
      layer_norm_rows_kernel<8><<<blocks, kThreads, 0, stream>>>(x, rows, gamma, beta, eps, copy);
      break;
    default:
      layer_norm_kernel<<<blocks, kThreads, 0, stream>>>(x, rows, cols, gamma, beta, eps, copy);
  }
  RERANK_CUDA_CHECK_LAUNCH("layer_norm");
}

void launch_activation_bf16(void* y, std::int64_t n, Activation act, cudaStream_t stream) {
  if (n <= 0 || act == Activation::None) return;
  activation_bf16_kernel<<<grid_for((n + 7) / 8, kThreads), kThreads, 0, stream>>>(
      static_cast<__nv_bfloat16*>(y), n, act);
  RERANK_CUDA_CHECK_LAUNCH("activation_bf16");
}

void launch_bias_activation(float* y, std::int64_t rows, std::int64_t cols, const float* bias, Activation act,
                            cudaStream_t stream) {
  if (rows <= 0 || cols <= 0 || (!bias && act == Activation::None)) return;
  bias_activation_kernel<<<grid_for(rows * cols, kThreads), kThreads, 0, stream>>>(y, rows, cols, bias, act);
  RERANK_CUDA_CHECK_LAUNCH("bias_activation");
}

void launch_gather_rows(const float* x, std::int64_t cols, const std::int32_t* rows, std::int64_t n,
                        float* out, cudaStream_t stream) {
  if (n <= 0 || cols <= 0) return;
  gather_rows_kernel<<<static_cast<unsigned>(std::min<std::int64_t>(n, 65535 * 8)), 128, 0, stream>>>(
      x, cols, rows, n, out);
  RERANK_CUDA_CHECK_LAUNCH("gather_rows");
}

void launch_to_bf16(const float* x, std::int64_t n, void* out, cudaStream_t stream) {
  if (n <= 0) return;
  to_bf16_kernel<<<grid_for((n + 1) / 2, kThreads), kThreads, 0, stream>>>(x, n,
                                                                           static_cast<__nv_bfloat16*>(out));
  RERANK_CUDA_CHECK_LAUNCH("to_bf16");
}

bool kernels_runnable_on_current_device(cudaError_t* why) {
  cudaFuncAttributes attr{};
  const cudaError_t status = cudaFuncGetAttributes(&attr, layer_norm_kernel);
  if (why) *why = status;
  if (status != cudaSuccess) cudaGetLastError();
  return status == cudaSuccess;
}

}  // namespace rerank::engine::cuda
