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

// n normal values of standard deviation `scale`.
std::vector<float> random_values(std::size_t n, float scale, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = scale * normal(rng);
  return v;
}

void ffn_up(benchmark::State& state) {
  const std::int64_t m = state.range(0), k = 384, n = 1536;
  const auto precision = static_cast<Precision>(state.range(1));
  const Activation act = state.range(2) != 0 ? Activation::GeluErf : Activation::None;
  std::mt19937 rng(0);
  const std::vector<float> w = random_values(static_cast<std::size_t>(n * k), 0.05f, rng);
  const std::vector<float> b = random_values(static_cast<std::size_t>(n), 0.1f, rng);
  const std::vector<float> x = random_values(static_cast<std::size_t>(m * k), 1.0f, rng);
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

// The whole block, hidden += down(gelu(up(x))): as two linear() calls, or as the
// feed_forward op (int8: GELU applied while quantising down's input).
void ffn_block(benchmark::State& state) {
  const std::int64_t m = state.range(0), h = 384, inter = 1536;
  const auto precision = static_cast<Precision>(state.range(1));
  const bool fused = state.range(2) != 0;
  std::mt19937 rng(0);
  const auto random = [&](std::size_t n, float scale) { return random_values(n, scale, rng); };
  auto device = make_device({});
  auto up = device->make_linear(random(static_cast<std::size_t>(inter * h), 0.05f), random(inter, 0.1f), inter, h, precision);
  auto down = device->make_linear(random(static_cast<std::size_t>(inter * h), 0.03f), random(h, 0.1f), h, inter, precision);
  auto session = device->make_session();
  session->begin();
  Matrix x = session->alloc(m, h), mid = session->alloc(m, inter), hidden = session->alloc(m, h);
  const std::vector<float> xs = random(static_cast<std::size_t>(m * h), 1.0f);
  std::copy(xs.begin(), xs.end(), x.data);
  std::fill(hidden.data, hidden.data + m * h, 0.0f);
  for (auto _ : state) {
    if (fused) {
      session->feed_forward(x, *up, Activation::GeluErf, *down, mid, hidden);
    } else {
      session->linear(x, *up, mid, {Activation::GeluErf, false});
      session->linear(mid, *down, hidden, {Activation::None, true});
    }
    benchmark::DoNotOptimize(hidden.data);
  }
  state.SetLabel(std::string(precision_name(precision)) + (fused ? " feed_forward" : " two linears"));
  state.counters["GOP/s"] = benchmark::Counter(4.0 * static_cast<double>(m * h * inter) * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(ffn_block)
    ->ArgNames({"m", "precision", "fused"})
    ->ArgsProduct({{8192}, {static_cast<int>(Precision::BF16), static_cast<int>(Precision::Int8)}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(ffn_up)
    ->ArgNames({"m", "precision", "gelu"})
    ->ArgsProduct({{512, 1024, 1536, 2048, 4096, 8192}, {static_cast<int>(Precision::F32), static_cast<int>(Precision::BF16), static_cast<int>(Precision::Int8)}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
