// The activations' rules shared by the portable and SIMD kernels: the erfc the vectorised
// GELU evaluates, and the range an activation maps an input range to (what the int8 path
// quantises with when it applies the activation on the fly).
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/types.hpp"

namespace rerank::engine::cpu {

// erfc(a) for a in [0, kErfcMaxArgument] as t exp(-a^2 + P(t)), t = 1 / (1 + a / 2): the
// classic form (no cancellation for large a, one exponential), with our own degree-7 fit of
// P (scripts/fit-erfc: least squares toward minimax; GELU through it, evaluated in fp32,
// stays within 3.9e-7 of x Phi(x) for every x, the fp32 rounding of the result itself).
// Beyond 9, erfc < 5e-37: the argument is clamped there.
inline constexpr float kErfcMaxArgument = 9.0f;
inline constexpr float kErfcPoly[8] = {-1.265566957e+00f, 9.999584519e-01f,  3.855556121e-01f, -1.272559069e-02f,
                                       3.005991795e-01f,  -9.493829894e-01f, 7.226485566e-01f, -1.810868718e-01f};

// act(x) as torch computes it, in double (the reference the kernels are tested against and
// the portable kernel's rule).
inline double activation_value(double x, Activation act) {
  switch (act) {
    case Activation::None: return x;
    case Activation::GeluErf: return 0.5 * x * std::erfc(-x * 0.70710678118654752);
    case Activation::GeluTanh: return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    case Activation::Relu: return x > 0.0 ? x : 0.0;
    case Activation::Tanh: return std::tanh(x);
    case Activation::Silu: return x / (1.0 + std::exp(-x));
  }
  return x;
}

// Bounds on act(x) over x in [lo, hi]. Every activation here falls to one minimum and rises
// after it (tanh and ReLU: monotone), so the maximum is at an end and the minimum at an end or
// at that point (GELU's near -0.7518, SiLU's at -1.2785; from their derivatives).
inline std::pair<float, float> activation_range(Activation act, float lo, float hi) {
  double argmin = -INFINITY;
  if (act == Activation::GeluErf) argmin = -0.7517915246935645;
  if (act == Activation::GeluTanh) argmin = -0.7524614338993865;
  if (act == Activation::Silu) argmin = -1.2784644476595433;
  const double a = activation_value(lo, act), b = activation_value(hi, act);
  double low = std::min(a, b);
  if (lo <= argmin && argmin <= hi) low = std::min(low, activation_value(argmin, act));
  // Widened by a few fp32 steps: the SIMD forms differ from the double ones by ~4e-7.
  const double slack = 1e-6 * std::max({1.0, std::fabs(low), std::fabs(std::max(a, b))});
  return {static_cast<float>(low - slack), static_cast<float>(std::max(a, b) + slack)};
}

}  // namespace rerank::engine::cpu
