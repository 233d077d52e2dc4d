// Launchers for the element-wise and row-wise CUDA kernels (kernels.cu). Every launcher
// enqueues on `stream`, returns at once and throws Error(Backend) when the launch fails.
// Pointers are device memory; matrices are row-major and contiguous.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "engine/types.hpp"

namespace rerank::engine::cuda {

// out[t] = word[ids[t]] + position[positions[t]] + token_type[types[t]] (position and
// token_type may be null, and then their ids are not read).
void launch_embed(const std::int32_t* ids, const std::int32_t* positions, const std::int32_t* types,
                  std::int64_t tokens, const float* word, const float* position, const float* token_type,
                  std::int64_t width, float* out, cudaStream_t stream);

// In place per row: (x - mean) / sqrt(var + eps) * gamma + beta, fp32 throughout. When
// bf16_copy is not null the result is also written there rounded to bf16 (the next bf16
// GEMM's input, saving a separate conversion pass).
void launch_layer_norm(float* x, std::int64_t rows, std::int64_t cols, const float* gamma, const float* beta,
                       float eps, void* bf16_copy, cudaStream_t stream);

// In place on n bf16 values: y = bf16(act(y)), computed in fp32.
void launch_activation_bf16(void* y, std::int64_t n, Activation act, cudaStream_t stream);

// In place: y[r][c] = act(y[r][c] + bias[c]) (bias may be null).
void launch_bias_activation(float* y, std::int64_t rows, std::int64_t cols, const float* bias, Activation act,
                            cudaStream_t stream);

// out[i] = x[rows[i]] for i < n.
void launch_gather_rows(const float* x, std::int64_t cols, const std::int32_t* rows, std::int64_t n, float* out,
                        cudaStream_t stream);

// out[i] = bf16(x[i]), round to nearest even (out points at n bfloat16 values).
void launch_to_bf16(const float* x, std::int64_t n, void* out, cudaStream_t stream);

// True when this binary has kernels the current device can run (sm_90 builds on an older
// GPU do not).
bool kernels_runnable_on_current_device(cudaError_t* why);

}  // namespace rerank::engine::cuda
