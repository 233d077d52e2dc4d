#include "engine/cpu/cpu_features.hpp"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/environment.hpp"
#include "rerank/error.hpp"

namespace rerank::engine::cpu {
namespace {

// CPUID leaf 7 reports AMX-TILE (EDX bit 24) and AMX-BF16 (bit 22); Linux then grants the tile
// state to a process that asks (ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA), and a tile
// instruction without that grant is SIGILL.
bool amx_bf16_usable() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  if (!((edx >> 24) & 1u) || !((edx >> 22) & 1u)) return false;
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

}  // namespace

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
    x.amx_bf16 = x.avx512bf16 && cap != "avx2" && cap != "generic" && amx_bf16_usable();
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
  if (amx_bf16) s += ", amx_bf16";
  return s;
}

}  // namespace rerank::engine::cpu
