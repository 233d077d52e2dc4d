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
  std::string summary() const;  // "avx512_bf16" / "avx512_vnni" / "avx512" / "avx2" / "sse2"
};

const CpuFeatures& cpu_features();

}  // namespace rerank::engine::cpu
