// The CPU's fused attention kernel alone, one (sequence, head) on one thread: fp32 and bf16
// products, at MiniLM's head size (32) and BERT-base's (64), for sequence lengths around
// SciFact's mean pair (361 tokens). Prints GFLOP/s counting 4 t^2 d per head (Q K^T and P V),
// the figure to hold against the CPU's fp32 / bf16 FMA peak. Issue 20's profile puts this
// kernel at a quarter of an int8 MiniLM run.
//   usage: attention_kernel_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "engine/cpu/kernels.hpp"

namespace {

using rerank::engine::cpu::AttentionHeadArgs;

void attention_head(benchmark::State& state) {
  const std::int64_t t = state.range(0), d = state.range(1);
  const bool bf16 = state.range(2) != 0;
  const std::int64_t ld = 3 * d;  // one head's Q|K|V side by side, as the packed QKV matrix holds them
  std::vector<float> qkv(static_cast<std::size_t>(t * ld)), out(static_cast<std::size_t>(t * d));
  std::mt19937 rng(0);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& x : qkv) x = normal(rng);
  const std::size_t scratch_floats = rerank::engine::cpu::attention_scratch_floats(t, d);
  auto* scratch = static_cast<float*>(std::aligned_alloc(64, (scratch_floats * sizeof(float) + 63) / 64 * 64));
  AttentionHeadArgs a;
  a.q = qkv.data();
  a.k = qkv.data() + d;
  a.v = qkv.data() + 2 * d;
  a.ld = ld;
  a.out = out.data();
  a.ldo = d;
  a.t = t;
  a.d = d;
  a.scale = 1.0f / std::sqrt(static_cast<float>(d));
  a.scratch = scratch;
  a.bf16 = bf16;
  for (auto _ : state) {
    rerank::engine::cpu::attention_head(a);
    benchmark::DoNotOptimize(out.data());
  }
  std::free(scratch);
  state.counters["GFLOP/s"] =
      benchmark::Counter(4.0 * static_cast<double>(t * t * d) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(attention_head)
    ->ArgNames({"t", "d", "bf16"})
    ->ArgsProduct({{128, 361, 512}, {32, 64}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
