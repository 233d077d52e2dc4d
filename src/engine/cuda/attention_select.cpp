// The one rule that picks a CUDA attention kernel, and the launch that follows it.
#include "engine/cuda/attention.hpp"

#include <string>

#include "rerank/error.hpp"

namespace rerank::engine::cuda {

const char* attention_kernel_name(AttentionKernel kernel) {
  switch (kernel) {
    case AttentionKernel::F32: return "f32";
    case AttentionKernel::Wmma: return "wmma";
    case AttentionKernel::Mma: return "mma";
  }
  return "?";
}

AttentionKernel select_attention_kernel(bool bf16, std::int64_t head_dim, CudaAttentionKernel choice) {
  if (head_dim <= 0 || head_dim > kAttentionMaxHeadDim) {
    throw Error(ErrorCode::NotSupported, "CUDA attention supports head dimensions 1 to " +
                                             std::to_string(kAttentionMaxHeadDim) + ", not " +
                                             std::to_string(head_dim));
  }
  if (!bf16) return AttentionKernel::F32;
  // mma.sync's fragments need two 16-wide k steps: narrower heads take the wmma kernel.
  if (choice == CudaAttentionKernel::Wmma || head_dim <= 16) return AttentionKernel::Wmma;
  return AttentionKernel::Mma;
}

void launch_attention(AttentionKernel kernel, const AttentionArgs& args, cudaStream_t stream) {
  switch (kernel) {
    case AttentionKernel::F32: return launch_attention_f32(args, stream);
    case AttentionKernel::Wmma: return launch_attention_wmma(args, stream);
    case AttentionKernel::Mma: return launch_attention_mma(args, stream);
  }
}

}  // namespace rerank::engine::cuda
