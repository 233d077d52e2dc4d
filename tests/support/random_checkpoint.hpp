// A random checkpoint the naive-reference tests write as a user would have it: named
// tensors drawn from normal distributions, each value exact in bf16 (so bf16 storage loses
// nothing and the engine and the naive model see the same weights), written as a bf16
// model.safetensors, optionally only the tensors under one prefix, renamed.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "support/safetensors_writer.hpp"

namespace rerank::testing {

struct RandomTensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

class RandomBf16Checkpoint {
 public:
  explicit RandomBf16Checkpoint(std::uint64_t seed) : rng_(seed) {}

  void add(const std::string& name, std::vector<std::int64_t> shape, double mean, double stddev) {
    std::normal_distribution<double> normal(mean, stddev);
    std::int64_t count = 1;
    for (auto d : shape) count *= d;
    RandomTensor t{std::move(shape), std::vector<float>(static_cast<std::size_t>(count))};
    for (auto& v : t.values) v = to_bf16(static_cast<float>(normal(rng_)));
    tensors_[name] = std::move(t);
  }
  // N(0, 1/fan_in), like the fixtures' matrices.
  void matrix(const std::string& name, std::int64_t rows, std::int64_t cols) {
    add(name, {rows, cols}, 0.0, 1.0 / std::sqrt(static_cast<double>(cols)));
  }
  void linear(const std::string& name, std::int64_t out, std::int64_t in, bool bias) {
    matrix(name + ".weight", out, in);
    if (bias) add(name + ".bias", {out}, 0.0, 0.1);
  }
  void norm(const std::string& name, std::int64_t n, bool bias) {
    add(name + ".weight", {n}, 1.0, 0.1);
    if (bias) add(name + ".bias", {n}, 0.0, 0.1);
  }

  bool has(const std::string& name) const { return tensors_.count(name) > 0; }
  const RandomTensor& operator[](const std::string& name) const { return tensors_.at(name); }

  // The tensors named `from`... (all with ""), renamed to `to`..., as bf16 safetensors.
  void write_bf16(const std::filesystem::path& file, const std::string& from = "", const std::string& to = "") const {
    std::vector<SafetensorsTensor> out;
    for (const auto& [name, t] : tensors_) {
      if (name.rfind(from, 0) != 0) continue;
      out.push_back({to + name.substr(from.size()), "BF16", t.shape, bf16_bytes(t.values)});
    }
    write_safetensors(file, out);
  }

 private:
  // Round to the nearest bfloat16, ties to even (the values drawn are finite).
  static float to_bf16(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    u += 0x7fffu + ((u >> 16) & 1u);
    u &= 0xffff0000u;
    std::memcpy(&f, &u, sizeof u);
    return f;
  }

  std::mt19937_64 rng_;
  std::map<std::string, RandomTensor> tensors_;
};

}  // namespace rerank::testing
