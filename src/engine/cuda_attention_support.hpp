// Which attention calls the CUDA kernels run today: BERT's plain bidirectional self-attention
// (AttentionSpec::is_plain, no KV cache). Everything else the spec can say (GQA, causal,
// windows, bias, soft-capping, rotary, cross-attention, prefixes) runs on the CPU until the
// CUDA kernels learn it; the CUDA session refuses it with Error(NotSupported), never a wrong
// result. Host code compiled in every build, so the rule is tested without a GPU.
#pragma once

#include <optional>
#include <string>

#include "engine/attention_spec.hpp"

namespace rerank::engine {

// Why the CUDA kernels cannot run this call, or nullopt when they can.
std::optional<std::string> cuda_attention_unsupported(const AttentionInputs& in, const AttentionSpec& spec);

}  // namespace rerank::engine
