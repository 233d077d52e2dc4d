// What the processor can do, detected once at run time (__builtin_cpu_supports), so one
// binary uses AVX2, AVX-512, VNNI and BF16 where present and stays correct everywhere else.
#pragma once

#include <string>

namespace rerank::engine::cpu {

struct CpuFeatures {
  bool avx2 = false;  // with FMA
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  // AMX tiles with bf16 products, and the kernel's permission to use them (granted per process
  // by arch_prctl; oneDNN asks for it too, only once it runs an AMX GEMM).
  bool amx_bf16 = false;
  std::string summary() const;  // "avx512_bf16" / "avx512_vnni" / "avx512" / "avx2" / "sse2"
};

// What the processor can do, capped by RERANK_CPU_ISA when set: "avx2" (no AVX-512 kernels,
// no VNNI weights: an AVX2-only CPU, with ONEDNN_MAX_CPU_ISA=AVX2 for oneDNN's GEMMs) or
// "generic" (no SIMD kernels). The engine's one environment variable that changes which
// kernels run, for testing the fallbacks on a newer CPU (docs/engine.md); any other value
// is Error(InvalidArgument).
const CpuFeatures& cpu_features();

}  // namespace rerank::engine::cpu
