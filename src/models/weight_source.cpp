#include "models/weight_source.hpp"

#include <cmath>

namespace rerank::models {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<float> RandomWeights::get(const std::string& name, const std::vector<std::int64_t>& shape) const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  std::vector<float> out(static_cast<std::size_t>(n));
  const bool is_norm = name.find("LayerNorm") != std::string::npos;
  if (ends_with(name, ".bias")) return out;  // zeros
  if (is_norm) {
    for (float& v : out) v = 1.0f;
    return out;
  }
  // FNV-1a of the name, mixed with the seed: values do not depend on load order.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  std::uint64_t state = h ^ (seed_ * 0x9e3779b97f4a7c15ull);
  // Box-Muller pairs, std 0.02.
  constexpr double kTwoPi = 6.283185307179586;
  for (std::int64_t i = 0; i < n; i += 2) {
    const double u1 = (static_cast<double>(splitmix64(state) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    const double u2 = static_cast<double>(splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);
    const double r = std::sqrt(-2.0 * std::log(u1)) * 0.02;
    out[static_cast<std::size_t>(i)] = static_cast<float>(r * std::cos(kTwoPi * u2));
    if (i + 1 < n) out[static_cast<std::size_t>(i + 1)] = static_cast<float>(r * std::sin(kTwoPi * u2));
  }
  return out;
}

}  // namespace rerank::models
