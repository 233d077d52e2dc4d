// One linear layer of a MiniLM FFN on the CPU device, as a forward pass runs it: x [M x 384]
// times W^T [384 x 1536] at fp32, bf16 and int8 (dynamic quantisation of x included), with
// and without GELU, on all threads. The GELU rows against the plain ones give what the
// activation costs (the engine's own kernel after the GEMM, cpu/kernels_avx512.cpp); 1024 and
// 2048 rows keep the output in the L3 cache, 8192 (a full batch) does not.
//   usage: linear_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "engine/device_factory.hpp"
#include "engine/session.hpp"

namespace {

using namespace rerank::engine;

void ffn_up(benchmark::State& state) {
  const std::int64_t m = state.range(0), k = 384, n = 1536;
  const auto precision = static_cast<Precision>(state.range(1));
  const Activation act = state.range(2) != 0 ? Activation::GeluErf : Activation::None;
  std::mt19937 rng(0);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(static_cast<std::size_t>(n * k)), b(static_cast<std::size_t>(n)), x(static_cast<std::size_t>(m * k));
  for (float& v : w) v = 0.05f * normal(rng);
  for (float& v : b) v = 0.1f * normal(rng);
  for (float& v : x) v = normal(rng);
  auto device = make_device({});
  auto linear = device->make_linear(w, b, n, k, precision);
  auto session = device->make_session();
  session->begin();
  Matrix xm = session->alloc(m, k), ym = session->alloc(m, n);
  std::copy(x.begin(), x.end(), xm.data);
  for (auto _ : state) {
    session->linear(xm, *linear, ym, {act, false});
    benchmark::DoNotOptimize(ym.data);
  }
  state.SetLabel(std::string(precision_name(precision)) + (act == Activation::None ? "" : " + gelu"));
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * static_cast<double>(m * k * n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(ffn_up)
    ->ArgNames({"m", "precision", "gelu"})
    ->ArgsProduct({{1024, 2048, 8192}, {static_cast<int>(Precision::F32), static_cast<int>(Precision::BF16), static_cast<int>(Precision::Int8)}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
