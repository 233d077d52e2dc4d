// The attention op for every AttentionSpec on the CPU, case by case against a naive
// double-precision attention written here from the published modelling code (transformers'
// eager attention: scores = q.k * scale, Gemma2's tanh soft-capping, T5's additive position
// bias, ModernBERT's symmetric window, causal and sliding-window masks, GQA's repeat_kv, and
// rotary positions with fp32 inverse frequencies and angles as the reference computes them,
// their cos/sin taken in double here). fp32: 1e-5 of the output's largest magnitude (fp32
// accumulation over at most a few hundred keys stays two orders below it). bf16: the test
// rounds the inputs to bf16 and feeds both sides the same values. Where the CPU multiplies in
// bf16 (AVX-512 BF16: the kernel rounds Q and K after rotary, and the probabilities), the
// reference rounds the rotated Q and K the same way, and the bound is derived from the one
// rounding it does not repeat: each unnormalised probability p_j off by at most u = 2^-9
// relative moves the output by at most u * max|v| (sum_j p_j |v_j| / sum_j p_j <= max|v|);
// the bound doubles that for Q/K values the fp32 rotation rounds across a bf16 boundary the
// double one does not, plus the fp32 1e-5. Elsewhere the kernel computes fp32: 1e-5.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/cpu/cpu_features.hpp"
#include "engine/cuda_attention_support.hpp"
#include "engine/device_factory.hpp"
#include "rerank/error.hpp"

namespace rerank::engine {
namespace {

std::vector<float> random_values(std::size_t n, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

float round_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  u += 0x7fffu + ((u >> 16) & 1u);
  u &= 0xffff0000u;
  std::memcpy(&f, &u, sizeof u);
  return f;
}

std::vector<std::int32_t> starts_of(const std::vector<std::int32_t>& lengths) {
  std::vector<std::int32_t> s{0};
  for (const std::int32_t l : lengths) s.push_back(s.back() + l);
  return s;
}

// One head's rows as doubles, rotated as the reference rotates them.
using Rows = std::vector<std::vector<double>>;

void rotate_reference(std::vector<double>& x, std::int64_t position, const AttentionSpec& spec) {
  const RotarySpec& r = spec.rotary;
  const auto rotated = static_cast<std::int64_t>(static_cast<float>(spec.head_dim) * r.fraction) / 2 * 2;
  const std::int64_t half = rotated / 2;
  const std::vector<double> in = x;
  for (std::int64_t c = 0; c < half; ++c) {
    // transformers: inv_freq = 1 / base^(arange(0, dim, 2) / dim) in fp32; freqs = inv_freq * position in fp32.
    const float inv = 1.0f / std::pow(r.theta, static_cast<float>(2 * c) / static_cast<float>(rotated)) / r.linear_scaling;
    const float angle = static_cast<float>(position) * inv;
    const double cs = std::cos(static_cast<double>(angle)), sn = std::sin(static_cast<double>(angle));
    const std::int64_t a = r.layout == RotarySpec::Layout::HalfSplit ? c : 2 * c;
    const std::int64_t b = r.layout == RotarySpec::Layout::HalfSplit ? c + half : 2 * c + 1;
    x[a] = in[a] * cs - in[b] * sn;
    x[b] = in[b] * cs + in[a] * sn;
  }
}

bool visible_reference(const AttentionSpec& spec, std::int64_t pi, std::int64_t pj) {
  if (spec.causal && pj > pi) return false;
  if (spec.window.kind == AttentionWindow::Kind::Symmetric) return std::llabs(pi - pj) <= spec.window.radius;
  if (spec.window.kind == AttentionWindow::Kind::CausalLeft) return pj >= pi - spec.window.radius;
  return true;
}

// softmax(softcap(scale q.k) + bias) v for one query against keys at positions kpos.
// `bf16_products`: Q and K rounded to bf16 after rotary, as the bf16 kernel rounds them.
std::vector<double> attend_reference(std::vector<double> q, std::int64_t qpos, Rows keys,
                                     const std::vector<std::int64_t>& kpos, const Rows& values, std::int64_t head,
                                     const AttentionSpec& spec, const std::vector<float>& bias,
                                     bool bf16_products = false) {
  if (spec.rotary_on) {
    rotate_reference(q, qpos, spec);
    for (std::size_t j = 0; j < keys.size(); ++j) rotate_reference(keys[j], kpos[j], spec);
  }
  if (bf16_products) {
    auto round_row = [](std::vector<double>& x) {
      for (double& v : x) v = round_bf16(static_cast<float>(v));
    };
    round_row(q);
    for (auto& k : keys) round_row(k);
  }
  std::vector<double> s(keys.size(), -INFINITY);
  double m = -INFINITY;
  for (std::size_t j = 0; j < keys.size(); ++j) {
    if (!visible_reference(spec, qpos, kpos[j])) continue;
    double dot = 0;
    for (std::size_t c = 0; c < q.size(); ++c) dot += q[c] * keys[j][c];
    double v = dot * spec.scale;
    if (spec.softcap > 0) v = spec.softcap * std::tanh(v / spec.softcap);
    if (spec.bias.values) {
      const std::int64_t md = spec.bias.max_distance;
      const std::int64_t rel = std::clamp<std::int64_t>(kpos[j] - qpos, -md, md);
      v += bias[static_cast<std::size_t>((rel + md) * spec.heads + head)];
    }
    s[j] = v;
    m = std::max(m, v);
  }
  std::vector<double> out(q.size(), 0.0);
  double sum = 0;
  for (std::size_t j = 0; j < keys.size(); ++j) {
    if (s[j] == -INFINITY) continue;
    const double p = std::exp(s[j] - m);
    sum += p;
    for (std::size_t c = 0; c < out.size(); ++c) out[c] += p * values[j][c];
  }
  for (double& o : out) o /= sum;
  return out;
}

// Columns [first, first + d) of row r of a row-major matrix of `cols` columns, as doubles.
std::vector<double> slice(const std::vector<float>& m, std::int64_t cols, std::int64_t r, std::int64_t first,
                          std::int64_t d) {
  std::vector<double> v(static_cast<std::size_t>(d));
  for (std::int64_t c = 0; c < d; ++c) v[c] = m[static_cast<std::size_t>(r * cols + first + c)];
  return v;
}

struct Case {
  std::string name;
  std::int64_t heads = 4, kv_heads = 0, head_dim = 16;
  std::vector<std::int32_t> lengths{1, 7, 33};
  std::vector<std::int32_t> kv_lengths;  // cross-attention when not empty
  bool causal = false;
  AttentionWindow window;
  float scale = 0;  // 0: 1/sqrt(d)
  float softcap = 0;
  std::int64_t bias_distance = -1;  // >= 0: a relative bias table
  std::optional<RotarySpec> rotary;
  bool bf16 = false;
};

// The op's output for `c` on random inputs against the reference's: the error and its bound,
// both relative to the reference output's largest magnitude (see the top of the file).
struct Measured {
  double error, bound;
};

Measured measure(const Case& c, std::uint32_t seed) {
  auto dev = make_device({"cpu", 2});
  auto s = dev->make_session();
  s->begin();
  AttentionSpec spec;
  spec.heads = c.heads;
  spec.kv_heads = c.kv_heads;
  spec.head_dim = c.head_dim;
  spec.causal = c.causal;
  spec.window = c.window;
  spec.scale = c.scale != 0 ? c.scale : 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  spec.softcap = c.softcap;
  spec.rotary_on = c.rotary.has_value();
  if (c.rotary) spec.rotary = *c.rotary;
  spec.precision = c.bf16 ? Precision::BF16 : Precision::F32;
  const std::int64_t h = c.heads, kv = spec.kv_heads_or_heads(), d = c.head_dim, group = h / kv;
  const bool cross = !c.kv_lengths.empty();
  const std::vector<std::int32_t> starts = starts_of(c.lengths);
  const std::vector<std::int32_t> kv_starts = cross ? starts_of(c.kv_lengths) : starts;
  const std::int64_t tq = starts.back(), tk = kv_starts.back();

  auto fill = [&](Matrix m, std::uint32_t sd) {
    std::vector<float> v = random_values(static_cast<std::size_t>(m.rows * m.cols), sd);
    if (c.bf16) for (float& x : v) x = round_bf16(x);
    std::copy(v.begin(), v.end(), m.data);
    return v;
  };
  std::vector<float> bias;
  Matrix bias_m;
  if (c.bias_distance >= 0) {
    bias_m = s->alloc(2 * c.bias_distance + 1, h);
    bias = fill(bias_m, seed + 7);
    spec.bias = {&bias_m, c.bias_distance};
  }
  Matrix out = s->alloc(tq, h * d);
  std::vector<float> qsrc, kvsrc;  // Q rows (q_cols wide), and K|V rows
  std::int64_t q_cols, q_first = 0, kv_cols, k_first, v_first;
  if (cross) {
    Matrix q = s->alloc(tq, h * d), kvm = s->alloc(tk, 2 * kv * d);
    qsrc = fill(q, seed);
    kvsrc = fill(kvm, seed + 1);
    q_cols = h * d;
    kv_cols = 2 * kv * d;
    k_first = 0;
    v_first = kv * d;
    s->attention(AttentionInputs::cross(q, starts, kvm, kv_starts), spec, out);
  } else {
    Matrix qkv = s->alloc(tq, (h + 2 * kv) * d);
    qsrc = fill(qkv, seed);
    kvsrc = qsrc;
    q_cols = kv_cols = qkv.cols;
    k_first = h * d;
    v_first = (h + kv) * d;
    s->attention(AttentionInputs::self(qkv, starts), spec, out);
  }
  std::vector<float> got(static_cast<std::size_t>(out.rows * out.cols));
  s->to_host(out, got.data());

  // The CPU's fused kernel multiplies in bf16 for a bf16 spec where it has AVX-512 BF16.
  const bool bf16_products = c.bf16 && cpu::cpu_features().avx512bf16 && c.kv_lengths.empty() && c.softcap == 0 &&
                             c.window.kind != AttentionWindow::Kind::CausalLeft;
  double max_diff = 0, max_ref = 0, max_v = 0;
  for (float x : kvsrc) max_v = std::max(max_v, static_cast<double>(std::fabs(x)));  // K and V alike: an upper bound
  for (std::size_t seq = 0; seq + 1 < starts.size(); ++seq) {
    for (std::int64_t head = 0; head < h; ++head) {
      const std::int64_t kh = head / group;
      Rows keys, values;
      std::vector<std::int64_t> kpos;
      for (std::int64_t j = kv_starts[seq]; j < kv_starts[seq + 1]; ++j) {
        keys.push_back(slice(kvsrc, kv_cols, j, k_first + kh * d, d));
        values.push_back(slice(kvsrc, kv_cols, j, v_first + kh * d, d));
        kpos.push_back(j - kv_starts[seq]);
      }
      for (std::int64_t i = starts[seq]; i < starts[seq + 1]; ++i) {
        const auto want = attend_reference(slice(qsrc, q_cols, i, q_first + head * d, d), i - starts[seq], keys,
                                           kpos, values, head, spec, bias, bf16_products);
        for (std::int64_t col = 0; col < d; ++col) {
          const double g = got[static_cast<std::size_t>(i * h * d + head * d + col)];
          max_diff = std::max(max_diff, std::fabs(g - want[col]));
          max_ref = std::max(max_ref, std::fabs(want[col]));
        }
      }
    }
  }
  const double ref = std::max(max_ref, 1e-30);
  const double u = std::ldexp(1.0, -9);
  return {max_diff / ref, 1e-5 + (bf16_products ? 2 * u * max_v / ref : 0.0)};
}


AttentionWindow window(AttentionWindow::Kind kind, std::int64_t radius) { return {kind, radius}; }

RotarySpec rotary(RotarySpec::Layout layout, float theta, float fraction = 1.0f, float scaling = 1.0f) {
  RotarySpec r;
  r.layout = layout;
  r.theta = theta;
  r.fraction = fraction;
  r.linear_scaling = scaling;
  return r;
}

std::vector<Case> cases() {
  using K = AttentionWindow::Kind;
  using L = RotarySpec::Layout;
  std::vector<Case> v;
  auto add = [&](Case c) { v.push_back(std::move(c)); };
  add({.name = "plain (BERT's fused kernel)"});
  add({.name = "plain, odd heads and head size", .heads = 3, .head_dim = 5, .lengths = {2, 11, 1}});
  add({.name = "plain, one sequence", .heads = 2, .head_dim = 32, .lengths = {129}});
  add({.name = "multi-query (1 KV head)", .heads = 6, .kv_heads = 1, .head_dim = 8});
  add({.name = "grouped (heads/2 KV heads)", .heads = 6, .kv_heads = 3, .head_dim = 12, .lengths = {5, 17}});
  add({.name = "scale 1 (T5)", .scale = 1.0f});
  add({.name = "causal", .heads = 3, .head_dim = 10, .lengths = {1, 9, 40}, .causal = true});
  add({.name = "symmetric window smaller than the sequences", .lengths = {3, 20, 37}, .window = window(K::Symmetric, 2)});
  add({.name = "symmetric window larger than the sequences", .lengths = {3, 20}, .window = window(K::Symmetric, 100)});
  add({.name = "symmetric window, GQA (the general kernel)", .heads = 4, .kv_heads = 2, .lengths = {3, 41},
       .window = window(K::Symmetric, 5), .rotary = rotary(L::HalfSplit, 10000.0f)});
  add({.name = "symmetric window, many short and one long sequence", .heads = 2, .head_dim = 24,
       .lengths = {1, 2, 3, 17, 16, 100}, .window = window(K::Symmetric, 7)});
  add({.name = "causal-left window (Gemma2)", .lengths = {4, 30}, .causal = true, .window = window(K::CausalLeft, 3)});
  add({.name = "causal-left window larger than the sequences", .causal = true, .window = window(K::CausalLeft, 1000)});
  add({.name = "soft-capping, pre-scaled queries", .scale = 0.5f, .softcap = 2.0f});
  add({.name = "relative bias, clamped beyond 4", .lengths = {2, 9, 25}, .scale = 1.0f, .bias_distance = 4});
  add({.name = "causal relative bias (T5 decoder)", .lengths = {6, 13}, .causal = true, .scale = 1.0f, .bias_distance = 8});
  add({.name = "rotary half-split", .head_dim = 16, .lengths = {1, 7, 60}, .rotary = rotary(L::HalfSplit, 10000.0f)});
  add({.name = "rotary interleaved, partial, linear scaling", .head_dim = 12,
       .rotary = rotary(L::Interleaved, 500.0f, 0.5f, 2.0f)});
  add({.name = "rotary, causal, GQA (Qwen3)", .heads = 4, .kv_heads = 2, .head_dim = 16, .lengths = {3, 50},
       .causal = true, .rotary = rotary(L::HalfSplit, 1000000.0f)});
  add({.name = "rotary, symmetric window (ModernBERT local)", .heads = 3, .head_dim = 8, .lengths = {5, 45},
       .window = window(K::Symmetric, 8), .rotary = rotary(L::HalfSplit, 10000.0f)});
  add({.name = "Gemma2-like: causal window, soft-capping, GQA, rotary", .heads = 4, .kv_heads = 2, .head_dim = 8,
       .lengths = {9, 31}, .causal = true, .window = window(K::CausalLeft, 6), .scale = 0.25f, .softcap = 3.0f,
       .rotary = rotary(L::HalfSplit, 10000.0f)});
  add({.name = "cross-attention, different lengths", .heads = 4, .kv_heads = 2, .head_dim = 8, .lengths = {3, 10, 1},
       .kv_lengths = {7, 2, 12}});
  add({.name = "cross-attention with bias and soft-capping", .heads = 3, .head_dim = 6, .lengths = {4, 9},
       .kv_lengths = {11, 3}, .scale = 1.0f, .softcap = 4.0f, .bias_distance = 5});
  add({.name = "bf16 inputs, rotary causal GQA", .heads = 4, .kv_heads = 2, .head_dim = 16, .lengths = {7, 20},
       .causal = true, .rotary = rotary(L::HalfSplit, 10000.0f), .bf16 = true});
  add({.name = "bf16 inputs, plain", .bf16 = true});
  // The bf16 kernel's edges: odd head sizes past one 32-wide block, one-token sequences,
  // windows, the causal triangle, a relative bias.
  add({.name = "bf16 inputs, head size 37, symmetric window", .heads = 3, .head_dim = 37, .lengths = {1, 2, 33},
       .window = window(K::Symmetric, 5), .bf16 = true});
  add({.name = "bf16 inputs, head size 5, causal", .heads = 2, .head_dim = 5, .lengths = {1, 3, 18}, .causal = true,
       .bf16 = true});
  add({.name = "bf16 inputs, relative bias (T5)", .lengths = {2, 19}, .scale = 1.0f, .bias_distance = 4, .bf16 = true});
  // Long enough for AMX's 32-key chunks of P V with and without a 16-key tail, several
  // 16-query tiles, a last partial one, two 16-pair chunks of Q K^T.
  add({.name = "bf16 inputs, head size 64, long sequences", .heads = 2, .head_dim = 64, .lengths = {47, 130, 300},
       .bf16 = true});
  return v;
}

TEST(AttentionSpec, EveryVariantMatchesANaiveDoubleReference) {
  std::uint32_t seed = 100;
  for (const Case& c : cases()) {
    const Measured m = measure(c, seed);
    EXPECT_LE(m.error, m.bound) << c.name;
    if (c.bf16) std::printf("[ bf16 ] %s: error %.3g of the output, bound %.3g\n", c.name.c_str(), m.error, m.bound);
    seed += 10;
  }
}

// Self-attention over [prefix | suffix] against the suffix attending to the prefix's cached
// K|V: causal, rotary, GQA, several suffixes of one batch sharing one prefix, one suffix
// continuing another prefix and one continuing none.
TEST(AttentionSpec, ASuffixAttendingToACachedPrefixEqualsTheWholeSequence) {
  auto dev = make_device({"cpu", 2});
  auto s = dev->make_session();
  s->begin();
  AttentionSpec spec;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.head_dim = 16;
  spec.causal = true;
  spec.scale = 0.25f;
  spec.rotary_on = true;
  spec.rotary = rotary(RotarySpec::Layout::HalfSplit, 10000.0f);
  const std::int64_t cols = (spec.heads + 2 * spec.kv_heads) * spec.head_dim, out_cols = spec.heads * spec.head_dim;
  const std::vector<std::int32_t> prefix_lengths{12, 5};
  const std::vector<std::int32_t> suffix_lengths{3, 8, 1, 6, 4};
  const std::vector<std::int32_t> prefix_of{0, 0, 0, 1, -1};
  const std::vector<float> prefix_rows = random_values(static_cast<std::size_t>(17 * cols), 7);
  const std::vector<float> suffix_rows = random_values(static_cast<std::size_t>(22 * cols), 8);

  // The cache: the prefixes alone, their K|V kept.
  const std::vector<std::int32_t> prefix_starts = starts_of(prefix_lengths);
  Matrix pqkv = s->alloc(17, cols), pout = s->alloc(17, out_cols), pkv = s->alloc(17, 2 * spec.kv_heads * 16);
  std::copy(prefix_rows.begin(), prefix_rows.end(), pqkv.data);
  AttentionInputs prefix_in = AttentionInputs::self(pqkv, prefix_starts);
  prefix_in.kv_out = &pkv;
  s->attention(prefix_in, spec, pout);

  // The suffixes, attending to it.
  const std::vector<std::int32_t> suffix_starts = starts_of(suffix_lengths);
  Matrix sqkv = s->alloc(22, cols), sout = s->alloc(22, out_cols);
  std::copy(suffix_rows.begin(), suffix_rows.end(), sqkv.data);
  AttentionInputs suffix_in = AttentionInputs::self(sqkv, suffix_starts);
  suffix_in.prefix_kv = &pkv;
  suffix_in.prefix_starts = prefix_starts;
  suffix_in.prefix_of = prefix_of;
  s->attention(suffix_in, spec, sout);

  // Each whole sequence [prefix | suffix] at once.
  for (std::size_t i = 0; i < suffix_lengths.size(); ++i) {
    const std::int32_t p = prefix_of[i];
    const std::int32_t plen = p >= 0 ? prefix_lengths[p] : 0, slen = suffix_lengths[i];
    Matrix qkv = s->alloc(plen + slen, cols), out = s->alloc(plen + slen, out_cols);
    if (p >= 0) std::copy_n(prefix_rows.begin() + prefix_starts[p] * cols, plen * cols, qkv.data);
    std::copy_n(suffix_rows.begin() + suffix_starts[i] * cols, slen * cols, qkv.data + plen * cols);
    const std::vector<std::int32_t> whole{0, plen + slen};
    s->attention(AttentionInputs::self(qkv, whole), spec, out);
    double max_diff = 0, max_ref = 0;
    for (std::int64_t t = 0; t < slen; ++t) {
      for (std::int64_t c = 0; c < out_cols; ++c) {
        const double want = out.data[(plen + t) * out_cols + c];
        max_diff = std::max(max_diff, std::fabs(sout.data[(suffix_starts[i] + t) * out_cols + c] - want));
        max_ref = std::max(max_ref, std::fabs(want));
      }
    }
    EXPECT_LE(max_diff / max_ref, 1e-5) << "suffix " << i;
  }
}

TEST(AttentionSpec, MalformedCallsAreInternalErrorsNamingTheOp) {
  auto dev = make_device({"cpu", 1});
  auto s = dev->make_session();
  s->begin();
  AttentionSpec spec = AttentionSpec::bidirectional(4, 8);
  spec.kv_heads = 3;  // 4 heads do not group into 3
  Matrix qkv = s->alloc(5, (4 + 6) * 8), out = s->alloc(5, 32);
  const std::vector<std::int32_t> starts{0, 5};
  try {
    s->attention(AttentionInputs::self(qkv, starts), spec, out);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Internal);
    EXPECT_NE(std::string(e.what()).find("attention"), std::string::npos) << e.what();
  }
  AttentionSpec unset = AttentionSpec::bidirectional(4, 8);
  unset.scale = 0.0f;
  Matrix qkv3 = s->alloc(5, 96);
  EXPECT_THROW(s->attention(AttentionInputs::self(qkv3, starts), unset, out), Error);
  AttentionSpec causal_cross = AttentionSpec::bidirectional(4, 8);
  causal_cross.causal = true;
  Matrix q = s->alloc(5, 32), kv = s->alloc(3, 64);
  const std::vector<std::int32_t> kv_starts{0, 3};
  EXPECT_THROW(s->attention(AttentionInputs::cross(q, starts, kv, kv_starts), causal_cross, out), Error);
}

// What the CUDA kernels run today, decided on the host: BERT's plain attention only; every
// other spec is refused with a reason (the session turns it into Error(NotSupported)).
TEST(AttentionSpec, CudaRefusesWhatItsKernelsCannotRun) {
  Matrix qkv{nullptr, 4, 3 * 64, Storage::F32};
  const std::vector<std::int32_t> starts{0, 4};
  const AttentionInputs self = AttentionInputs::self(qkv, starts);
  const AttentionSpec plain = AttentionSpec::bidirectional(4, 16, Precision::BF16);
  EXPECT_FALSE(cuda_attention_unsupported(self, plain).has_value());
  auto refused = [&](AttentionSpec spec, const AttentionInputs& in, const std::string& what) {
    const auto why = cuda_attention_unsupported(in, spec);
    ASSERT_TRUE(why.has_value()) << what;
    EXPECT_NE(why->find(what), std::string::npos) << *why;
  };
  AttentionSpec v = plain;
  v.kv_heads = 2;
  refused(v, self, "grouped");
  v = plain;
  v.causal = true;
  refused(v, self, "causal");
  v = plain;
  v.window = {AttentionWindow::Kind::Symmetric, 4};
  refused(v, self, "window");
  v = plain;
  v.softcap = 30.0f;
  refused(v, self, "soft-capping");
  v = plain;
  Matrix bias{nullptr, 9, 4, Storage::F32};
  v.bias = {&bias, 4};
  refused(v, self, "bias");
  v = plain;
  v.rotary_on = true;
  refused(v, self, "rotary");
  v = plain;
  v.scale = 1.0f;
  refused(v, self, "scale");
  Matrix q{nullptr, 4, 64, Storage::F32}, kv{nullptr, 4, 128, Storage::F32};
  refused(plain, AttentionInputs::cross(q, starts, kv, starts), "cross-attention");
  AttentionInputs cached = self;
  cached.kv_out = &kv;
  refused(plain, cached, "KV cache");
}

}  // namespace
}  // namespace rerank::engine
