// Shared by the CUDA tests: the skip rule and a CPU/CUDA pair of sessions that run the same
// op on the same inputs. Matrices are filled through Session::embed (a table whose row i is
// row i of the matrix, ids 0..rows-1), so the tests need nothing beyond engine/device.hpp
// and compile in every build, with or without CUDA.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "engine/device_factory.hpp"
#include "rerank/error.hpp"
#include "support/compare.hpp"

namespace rerank::engine::cuda_test {

// The options of the CUDA device the tests use, with `attention` as its bf16 attention kernel.
inline DeviceOptions cuda_options(CudaAttentionKernel attention = CudaAttentionKernel::Auto) {
  DeviceOptions o;
  o.device = "cuda";
  o.cuda_attention = attention;
  return o;
}

// The CUDA device, or an empty pointer and a message when this build has no CUDA backend or
// the machine no CUDA device (Error(NotSupported)); any other failure is a test failure.
inline std::shared_ptr<const Device> try_cuda(std::string* why, const DeviceOptions& o = cuda_options()) {
  try {
    return make_device(o);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotSupported) throw;
    *why = e.what();
    return nullptr;
  }
}

#define RERANK_REQUIRE_CUDA(var)                                                               \
  std::string var##_why;                                                                       \
  const std::shared_ptr<const ::rerank::engine::Device> var =                                  \
      ::rerank::engine::cuda_test::try_cuda(&var##_why);                                       \
  if (!var) GTEST_SKIP() << "no CUDA device, CUDA test skipped: " << var##_why

inline std::vector<float> random_values(std::size_t n, float scale, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// NaN/Inf and size mismatches are infinite errors (tests/support/compare.hpp).
using ::rerank::testing::max_abs_diff;

// A matrix on both devices.
struct Pair {
  Matrix cpu, gpu;
};

class TwoDevices {
 public:
  // `gpu` was made with `gpu_options`; the probe says which kernels its sessions run.
  explicit TwoDevices(std::shared_ptr<const Device> gpu, const DeviceOptions& gpu_options = cuda_options())
      : gpu_(std::move(gpu)), gpu_probe_(make_device_probe(gpu_options)) {
    DeviceOptions o;
    o.threads = 2;
    cpu_ = make_device(o);
    cpu_session_ = cpu_->make_session();
    gpu_session_ = gpu_->make_session();
    cpu_session_->begin();
    gpu_session_->begin();
  }

  const Device& cpu() const { return *cpu_; }
  const Device& gpu() const { return *gpu_; }
  const DeviceProbe& gpu_probe() const { return *gpu_probe_; }
  Session& cpu_session() { return *cpu_session_; }
  Session& gpu_session() { return *gpu_session_; }

  Pair alloc(std::int64_t rows, std::int64_t cols) {
    return {cpu_session_->alloc(rows, cols), gpu_session_->alloc(rows, cols)};
  }

  // Both matrices hold `values` ([rows x cols]).
  Pair put(const std::vector<float>& values, std::int64_t rows, std::int64_t cols) {
    Pair p = alloc(rows, cols);
    PackedBatch b;
    for (std::int64_t r = 0; r < rows; ++r) {
      b.input_ids.push_back(static_cast<std::int32_t>(r));
      b.token_type_ids.push_back(0);
      b.position_ids.push_back(0);
    }
    b.seq_starts = {0, static_cast<std::int32_t>(rows)};
    tables_.push_back(cpu_->upload(values));
    cpu_session_->embed(b, *tables_.back(), nullptr, nullptr, p.cpu);
    tables_.push_back(gpu_->upload(values));
    gpu_session_->embed(b, *tables_.back(), nullptr, nullptr, p.gpu);
    return p;
  }

  std::vector<float> cpu_values(const Matrix& m) {
    std::vector<float> v(static_cast<std::size_t>(m.rows * m.cols));
    cpu_session_->to_host(m, v.data());
    return v;
  }
  std::vector<float> gpu_values(const Matrix& m) {
    std::vector<float> v(static_cast<std::size_t>(m.rows * m.cols));
    gpu_session_->to_host(m, v.data());
    return v;
  }
  double diff(const Pair& p) { return max_abs_diff(cpu_values(p.cpu), gpu_values(p.gpu)); }

 private:
  std::shared_ptr<const Device> cpu_, gpu_;
  std::unique_ptr<DeviceProbe> gpu_probe_;
  std::unique_ptr<Session> cpu_session_, gpu_session_;
  std::vector<std::unique_ptr<DeviceBuffer>> tables_;
};

// Rounds to the nearest bfloat16 (ties to even), kept as float: inputs both backends see
// identically when the CUDA side runs in bf16.
inline float round_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  u += 0x7fffu + ((u >> 16) & 1u);
  u &= 0xffff0000u;
  float r;
  std::memcpy(&r, &u, sizeof r);
  return r;
}

}  // namespace rerank::engine::cuda_test
