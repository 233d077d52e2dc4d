#include "engine/cpu/cpu_features.hpp"

#include "core/environment.hpp"
#include "rerank/error.hpp"

namespace rerank::engine::cpu {

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = [] {
    __builtin_cpu_init();
    CpuFeatures x;
    x.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    x.f16c = __builtin_cpu_supports("f16c");
    x.avx512f = __builtin_cpu_supports("avx512f");
    x.avx512bw = __builtin_cpu_supports("avx512bw");
    x.avx512vnni = __builtin_cpu_supports("avx512vnni");
    x.avx512bf16 = __builtin_cpu_supports("avx512bf16");
    const std::string cap = env_value("RERANK_CPU_ISA");
    if (cap == "avx2" || cap == "generic") {
      x.avx512f = x.avx512bw = x.avx512vnni = x.avx512bf16 = false;
      if (cap == "generic") x.avx2 = x.f16c = false;
    } else if (!cap.empty() && cap != "native") {
      throw Error(ErrorCode::InvalidArgument, "RERANK_CPU_ISA='" + cap + "': use avx2, generic or native");
    }
    return x;
  }();
  return f;
}

std::string CpuFeatures::summary() const {
  std::string s = avx2 ? "avx2+fma" : "sse2";
  if (avx512f) s += ", avx512f";
  if (avx512bw) s += ", avx512bw";
  if (avx512vnni) s += ", avx512_vnni";
  if (avx512bf16) s += ", avx512_bf16";
  return s;
}

}  // namespace rerank::engine::cpu
