// Every CUDA op against the CPU backend on random inputs (llama.cpp's test-backend-ops idea).
// Tolerances are absolute, on values of order 1: exact for data movement, 1e-5 for the
// row-wise fp32 kernels, 1e-4 for fp32 GEMMs (summation order differs), and bf16 GEMMs get
// inputs already rounded to bf16 so both sides multiply the same numbers; bf16 attention is
// bounded relative to each sequence's output RMS. NaN/Inf in an output is an infinite error.
// Without a CUDA device every test here skips, except the device-selection ones.
#include <algorithm>
#include <numeric>
#include <span>
#include <string>

#include "engine/attention_test_util.hpp"
#include "engine/cuda_test_util.hpp"

namespace rerank::engine {
namespace {

using cuda_test::attention_error;
using cuda_test::attention_input;
using cuda_test::AttentionBound;
using cuda_test::AttentionError;
using cuda_test::AttentionInput;
using cuda_test::kBf16Attention;
using cuda_test::kBf16AttentionBf16Out;
using cuda_test::kBf16AttentionLargeScores;
using cuda_test::max_abs_diff;
using cuda_test::Pair;
using cuda_test::random_values;
using cuda_test::TwoDevices;
using cuda_test::within;

TEST(CudaDevice, SelectionFailsWithATypedErrorWhenUnavailable) {
  // Works in every build: either a device comes back, or NotSupported says why.
  DeviceOptions o;
  o.device = "cuda";
  try {
    auto dev = make_device(o);
    EXPECT_NE(dev->describe().find("cuda:0"), std::string::npos) << dev->describe();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotSupported) << e.what();
    EXPECT_NE(std::string(e.what()).find("cuda"), std::string::npos) << e.what();
  }
}

TEST(CudaDevice, MalformedOrMissingOrdinalsAreRejected) {
  for (const char* spec : {"cuda:x", "cuda:-1", "cuda:", "cuda:99"}) {
    DeviceOptions o;
    o.device = spec;
    try {
      make_device(o);
      ADD_FAILURE() << spec << " was accepted";
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::InvalidArgument || e.code() == ErrorCode::NotSupported)
          << spec << ": " << e.what();
    }
  }
}

TEST(CudaOps, EmbedMatchesCpu) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  const std::int64_t vocab = 50, width = 48, positions = 40, types = 2, tokens = 37;
  const auto word = random_values(static_cast<std::size_t>(vocab * width), 1.0f, 1);
  const auto pos = random_values(static_cast<std::size_t>(positions * width), 1.0f, 2);
  const auto typ = random_values(static_cast<std::size_t>(types * width), 1.0f, 3);
  PackedBatch b;
  std::mt19937 gen(4);
  for (std::int64_t i = 0; i < tokens; ++i) {
    b.input_ids.push_back(static_cast<std::int32_t>(gen() % vocab));
    b.position_ids.push_back(static_cast<std::int32_t>(gen() % positions));
    b.token_type_ids.push_back(static_cast<std::int32_t>(gen() % types));
  }
  b.seq_starts = {0, 20, static_cast<std::int32_t>(tokens)};
  for (const bool with_type : {true, false}) {
    auto cw = t.cpu().upload(word), cp = t.cpu().upload(pos), ct = t.cpu().upload(typ);
    auto gw = t.gpu().upload(word), gp = t.gpu().upload(pos), gt = t.gpu().upload(typ);
    auto out = t.alloc(tokens, width);
    t.cpu_session().embed(b, *cw, cp.get(), with_type ? ct.get() : nullptr, out.cpu);
    t.gpu_session().embed(b, *gw, gp.get(), with_type ? gt.get() : nullptr, out.gpu);
    EXPECT_LE(t.diff(out), 1e-6) << "token types " << with_type;
  }
}

struct LinearCase {
  std::int64_t rows, in, out;
  Activation act;
  bool accumulate;
  bool bias;
};

void run_linear(const LinearCase& c, Precision gpu_precision, double tolerance) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  const float wscale = 1.0f / std::sqrt(static_cast<float>(c.in));
  auto x = random_values(static_cast<std::size_t>(c.rows * c.in), 1.0f, 11);
  auto w = random_values(static_cast<std::size_t>(c.out * c.in), wscale, 12);
  auto bias = c.bias ? random_values(static_cast<std::size_t>(c.out), 0.5f, 13) : std::vector<float>{};
  const auto y0 = random_values(static_cast<std::size_t>(c.rows * c.out), 1.0f, 14);
  if (gpu_precision == Precision::BF16) {
    for (float& v : x) v = cuda_test::round_bf16(v);
    for (float& v : w) v = cuda_test::round_bf16(v);
  }
  auto cw = t.cpu().make_linear(w, bias, c.out, c.in, Precision::F32);
  auto gw = t.gpu().make_linear(w, bias, c.out, c.in, gpu_precision);
  auto xm = t.put(x, c.rows, c.in);
  auto ym = t.put(y0, c.rows, c.out);  // the residual when accumulating
  const LinearEpilogue e{c.act, c.accumulate};
  t.cpu_session().linear(xm.cpu, *cw, ym.cpu, e);
  t.gpu_session().linear(xm.gpu, *gw, ym.gpu, e);
  EXPECT_LE(t.diff(ym), tolerance) << c.rows << "x" << c.in << " -> " << c.out << " act "
                                   << static_cast<int>(c.act) << " accumulate " << c.accumulate << " bias "
                                   << c.bias;
}

TEST(CudaOps, LinearFp32MatchesCpuForEveryEpilogue) {
  for (const Activation act :
       {Activation::None, Activation::GeluErf, Activation::GeluTanh, Activation::Relu, Activation::Tanh}) {
    for (const bool acc : {false, true}) {
      run_linear({37, 96, 80, act, acc, true}, Precision::F32, 1e-4);
      if (::testing::Test::IsSkipped()) return;
    }
  }
  run_linear({37, 96, 80, Activation::None, false, false}, Precision::F32, 1e-4);
  run_linear({300, 384, 1536, Activation::GeluErf, false, true}, Precision::F32, 1e-4);
  run_linear({1, 1024, 1, Activation::None, false, true}, Precision::F32, 1e-4);  // a 1-label head
}

TEST(CudaOps, LinearBf16MatchesCpuOnBf16Inputs) {
  for (const Activation act : {Activation::None, Activation::GeluErf}) {
    for (const bool acc : {false, true}) {
      run_linear({129, 256, 192, act, acc, true}, Precision::BF16, 1e-4);
      if (::testing::Test::IsSkipped()) return;
    }
  }
  run_linear({512, 1024, 4096, Activation::GeluErf, false, true}, Precision::BF16, 2e-4);
}

TEST(CudaOps, Int8IsRefusedClearly) {
  RERANK_REQUIRE_CUDA(gpu);
  try {
    gpu->make_linear(std::vector<float>(16, 0.1f), {}, 4, 4, Precision::Int8);
    ADD_FAILURE() << "int8 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotSupported) << e.what();
  }
}

TEST(CudaOps, LayerNormMatchesCpu) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  for (const std::int64_t cols : {64, 384, 1024, 1000}) {
    for (const float eps : {1e-12f, 1e-5f}) {
      const std::int64_t rows = 29;
      auto x = random_values(static_cast<std::size_t>(rows * cols), 2.0f, 21);
      for (std::size_t i = 0; i < x.size(); i += 7) x[i] += 3.0f;  // non-zero means
      const auto g = random_values(static_cast<std::size_t>(cols), 1.0f, 22);
      const auto b = random_values(static_cast<std::size_t>(cols), 1.0f, 23);
      auto cg = t.cpu().upload(g), cb = t.cpu().upload(b), gg = t.gpu().upload(g), gb = t.gpu().upload(b);
      auto m = t.put(x, rows, cols);
      t.cpu_session().layer_norm(m.cpu, *cg, cb.get(), eps);
      t.gpu_session().layer_norm(m.gpu, *gg, gb.get(), eps);
      EXPECT_LE(t.diff(m), 1e-5) << cols << " columns, eps " << eps;
    }
  }
}

TEST(CudaOps, ActivationsMatchCpu) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  const std::int64_t rows = 40, cols = 257;
  std::vector<float> x(static_cast<std::size_t>(rows * cols));
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = -8.0f + 16.0f * static_cast<float>(i) / static_cast<float>(x.size());
  for (const Activation act :
       {Activation::None, Activation::GeluErf, Activation::GeluTanh, Activation::Relu, Activation::Tanh}) {
    auto m = t.put(x, rows, cols);
    t.cpu_session().activation(m.cpu, act);
    t.gpu_session().activation(m.gpu, act);
    EXPECT_LE(t.diff(m), 1e-5) << "activation " << static_cast<int>(act);
  }
}

// Attention over packed sequences of the given lengths; returns max |gpu - cpu|.
double attention_diff(TwoDevices& t, const std::vector<std::int32_t>& lengths, std::int64_t heads,
                      std::int64_t head_dim, float q_scale, std::uint32_t seed) {
  const AttentionInput a = attention_input(lengths, heads, head_dim, q_scale, seed);
  const std::vector<std::int32_t>& starts = a.starts;
  const std::int64_t tokens = a.tokens, hidden = a.hidden;
  auto in = t.put(a.qkv, tokens, 3 * hidden);
  auto out = t.alloc(tokens, hidden);
  t.cpu_session().attention(in.cpu, starts, heads, out.cpu);
  t.gpu_session().attention(in.gpu, starts, heads, out.gpu);
  EXPECT_EQ(t.gpu_probe().attention_kernel(Precision::F32, head_dim), "f32");
  return t.diff(out);
}

TEST(CudaOps, AttentionMatchesCpuOnVariableLengths) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  // Lengths around the 64-token tiles, a single token, and one over 1024.
  const std::vector<std::int32_t> lengths{1, 3, 64, 65, 127, 200, 1100};
  for (const std::int64_t d : {16, 32, 64, 128, 48}) {
    EXPECT_LE(attention_diff(t, lengths, 4, d, 1.0f, 31), 1e-5) << "head_dim " << d;
  }
  // Large scores: the online softmax must rescale without overflow.
  EXPECT_LE(attention_diff(t, {7, 300}, 2, 64, 12.0f, 32), 1e-4);
  // Many short sequences in one batch (token-budget batching of short pairs).
  std::vector<std::int32_t> many(300);
  std::mt19937 gen(33);
  for (auto& l : many) l = 1 + static_cast<std::int32_t>(gen() % 90);
  EXPECT_LE(attention_diff(t, many, 12, 32, 1.0f, 34), 1e-5);
}

TEST(CudaOps, AttentionHandlesTheLongestSequences) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  EXPECT_LE(attention_diff(t, {8192}, 2, 64, 1.0f, 41), 1e-5);
  EXPECT_LE(attention_diff(t, {4097, 5, 3000}, 2, 128, 1.0f, 42), 1e-5);
}

TEST(CudaOps, AttentionDoesNotDependOnBatchOrder) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  const std::int64_t heads = 4, d = 32, hidden = heads * d;
  const std::vector<std::int32_t> a_len{70}, b_len{5};
  const auto a = random_values(static_cast<std::size_t>(70 * 3 * hidden), 1.0f, 51);
  const auto b = random_values(static_cast<std::size_t>(5 * 3 * hidden), 1.0f, 52);
  std::vector<float> ab(a), ba(b);
  ab.insert(ab.end(), b.begin(), b.end());
  ba.insert(ba.end(), a.begin(), a.end());
  auto in_ab = t.put(ab, 75, 3 * hidden), in_ba = t.put(ba, 75, 3 * hidden);
  auto out_ab = t.alloc(75, hidden), out_ba = t.alloc(75, hidden);
  t.gpu_session().attention(in_ab.gpu, std::vector<std::int32_t>{0, 70, 75}, heads, out_ab.gpu);
  t.gpu_session().attention(in_ba.gpu, std::vector<std::int32_t>{0, 5, 75}, heads, out_ba.gpu);
  const auto r_ab = t.gpu_values(out_ab.gpu), r_ba = t.gpu_values(out_ba.gpu);
  // Sequence a is rows 0..69 of ab and rows 5..74 of ba: bit-identical (no cross-sequence work).
  const std::vector<float> a1(r_ab.begin(), r_ab.begin() + 70 * hidden),
      a2(r_ba.begin() + 5 * hidden, r_ba.end());
  EXPECT_EQ(max_abs_diff(a1, a2), 0.0);
}

// The GPU's attention output against the CPU's, as attention_test_util.hpp measures it (the
// bf16 bounds and where they come from are there).
AttentionError bf16_attention_error(TwoDevices& t, const Pair& out, const std::vector<std::int32_t>& starts) {
  return attention_error(t.gpu_values(out.gpu), t.cpu_values(out.cpu), starts, out.cpu.cols);
}

// The bf16 tensor-core kernel the session should pick: mma.sync unless wmma was asked for or
// the head is too narrow for it (16 and below).
const char* bf16_attention_kernel(CudaAttentionKernel requested, std::int64_t head_dim) {
  return requested == CudaAttentionKernel::Wmma || head_dim <= 16 ? "wmma" : "mma";
}

// Attention at bf16 precision (the Q|K|V of bf16 GEMMs) runs on tensor cores (bf16 Q, K, V
// and probabilities, fp32 accumulation), whatever the previous op was: compared with the CPU
// on bf16-representable inputs (lengths and inputs like the emulated ones, another seed).
TEST(CudaOps, AttentionAtBf16PrecisionUsesTensorCoresWithinTolerance) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  for (const std::int64_t d : {16, 32, 64, 128}) {
    const std::int64_t heads = 2, hidden = heads * d;
    const std::vector<std::int32_t> starts{0, 1, 66, 266, 1366};
    const std::int64_t tokens = starts.back();
    auto qkv = random_values(static_cast<std::size_t>(tokens * 3 * hidden), 1.0f, 81);
    for (float& v : qkv) v = cuda_test::round_bf16(v);
    auto in = t.put(qkv, tokens, 3 * hidden);
    auto out = t.alloc(tokens, hidden);
    t.cpu_session().attention(in.cpu, starts, heads, out.cpu, Precision::BF16);
    t.gpu_session().attention(in.gpu, starts, heads, out.gpu, Precision::BF16);
    EXPECT_EQ(t.gpu_probe().attention_kernel(Precision::BF16, d), bf16_attention_kernel(CudaAttentionKernel::Auto, d))
        << "head_dim " << d;
    EXPECT_TRUE(within(bf16_attention_error(t, out, starts), kBf16Attention)) << "head_dim " << d;
  }
}

// A bf16 model's layer with bf16 scratch on the GPU (Q|K|V, context and FFN intermediate
// stored bf16, GEMMs writing bf16, bias in bf16) against the CPU's fp32 scratch: the same
// numbers up to bf16 rounding. A GPU op that read or wrote bf16 scratch as fp32 would be off
// by orders of magnitude.
TEST(CudaOps, Bf16ScratchMatchesTheCpuWithinBf16Rounding) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  const std::int64_t heads = 4, d = 32, h = heads * d, inter = 4 * h;
  const std::vector<std::int32_t> starts{0, 7, 70, 333, 400};
  const std::int64_t tokens = starts.back();
  const float ws = 1.0f / std::sqrt(static_cast<float>(h));
  auto linear = [&](std::int64_t out, std::int64_t in, std::uint32_t seed) {
    return std::make_pair(t.cpu().make_linear(random_values(out * in, ws, seed),
                                              random_values(out, 0.1f, seed + 1), out, in, Precision::BF16),
                          t.gpu().make_linear(random_values(out * in, ws, seed),
                                              random_values(out, 0.1f, seed + 1), out, in, Precision::BF16));
  };
  auto wqkv = linear(3 * h, h, 90), wo = linear(h, h, 92), w1 = linear(inter, h, 94),
       w2 = linear(h, inter, 96);
  auto scratch = [&](std::int64_t cols) {
    return Pair{t.cpu_session().alloc_scratch(tokens, cols, Precision::BF16),
                t.gpu_session().alloc_scratch(tokens, cols, Precision::BF16)};
  };
  Pair x = t.put(random_values(static_cast<std::size_t>(tokens * h), 1.0f, 97), tokens, h);
  Pair qkv = scratch(3 * h), context = scratch(h), ffn = scratch(inter);
  EXPECT_EQ(qkv.cpu.storage, Storage::F32);
  EXPECT_EQ(qkv.gpu.storage, Storage::BF16);
  for (Session* s : {&t.cpu_session(), &t.gpu_session()}) {
    const bool g = s == &t.gpu_session();
    auto pick = [g](Pair& p) -> Matrix& { return g ? p.gpu : p.cpu; };
    auto w = [g](auto& pr) -> const LinearWeights& { return g ? *pr.second : *pr.first; };
    s->linear(pick(x), w(wqkv), pick(qkv));
    s->attention(pick(qkv), starts, heads, pick(context), Precision::BF16);
    s->linear(pick(context), w(wo), pick(x), {Activation::None, true});
    s->linear(pick(x), w(w1), pick(ffn), {Activation::GeluErf, false});
    s->linear(pick(ffn), w(w2), pick(x), {Activation::None, true});
  }
  const auto want = t.cpu_values(x.cpu), got = t.gpu_values(x.gpu);
  double scale = 0;
  for (float v : want) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  EXPECT_GT(scale, 0.5);
  EXPECT_LE(max_abs_diff(want, got), 3e-2 * scale);
  EXPECT_EQ(t.gpu_probe().attention_kernel(Precision::BF16, d), "mma");  // head_dim 32
}

// A layer norm writes the bf16 copy the next bf16 GEMM reads when it is given one
// (Session::alloc_input_copy): the GEMM reading the copy gives what it gives on the fp32
// matrix, and once the matrix changes (a residual sum) a GEMM reading the matrix itself sees
// the new values (nothing keyed on the matrix remembers the old copy).
TEST(CudaOps, Bf16InputCopiesAreExplicitOutputs) {
  RERANK_REQUIRE_CUDA(gpu);
  for (const std::int64_t h : {64, 384}) {  // the generic and the row-in-registers layer norm
    TwoDevices t(gpu);
    const std::int64_t rows = 50;
    const float ws = 1.0f / std::sqrt(static_cast<float>(h));
    auto make = [&](const Device& dev, std::uint32_t seed) {
      return dev.make_linear(random_values(h * h, ws, seed), random_values(h, 0.1f, seed + 1), h, h,
                             Precision::BF16);
    };
    auto wc = make(t.cpu(), 60), wg = make(t.gpu(), 60);
    auto gamma_c = t.cpu().upload(random_values(h, 1.0f, 62)),
         gamma_g = t.gpu().upload(random_values(h, 1.0f, 62));
    auto beta_c = t.cpu().upload(random_values(h, 0.1f, 63)),
         beta_g = t.gpu().upload(random_values(h, 0.1f, 63));
    Pair x = t.put(random_values(rows * h, 1.0f, 64), rows, h);
    Pair y1 = t.alloc(rows, h), y2 = t.alloc(rows, h), y3 = t.alloc(rows, h), y4 = t.alloc(rows, h);
    EXPECT_FALSE(t.cpu_session().alloc_input_copy(rows, h, Precision::BF16).has_value());
    std::optional<Matrix> copy = t.gpu_session().alloc_input_copy(rows, h, Precision::BF16);
    ASSERT_TRUE(copy.has_value());
    EXPECT_EQ(copy->storage, Storage::BF16);
    for (const bool g : {false, true}) {
      Session& s = g ? t.gpu_session() : t.cpu_session();
      const LinearWeights& w = g ? *wg : *wc;
      Matrix& xm = g ? x.gpu : x.cpu;
      s.linear(xm, w, g ? y1.gpu : y1.cpu);  // fp32 in: converted for the GEMM
      s.layer_norm(xm, g ? *gamma_g : *gamma_c, g ? beta_g.get() : beta_c.get(), 1e-5f, g ? &*copy : nullptr);
      s.linear(g ? *copy : xm, w, g ? y2.gpu : y2.cpu);                // reads the layer norm's copy
      s.linear(xm, w, g ? y4.gpu : y4.cpu);                            // the same from the fp32 matrix
      s.linear(g ? y2.gpu : y2.cpu, w, xm, {Activation::None, true});  // x changes
      s.linear(xm, w, g ? y3.gpu : y3.cpu);                            // must see the new x
    }
    EXPECT_LE(t.diff(y1), 2e-2) << h;
    EXPECT_LE(t.diff(y2), 2e-2) << h;
    EXPECT_LE(t.diff(y3), 3e-2) << h;
    EXPECT_EQ(max_abs_diff(t.gpu_values(y2.gpu), t.gpu_values(y4.gpu)), 0.0) << h;
  }
}

// The bf16 attention path against the CPU's fp32 attention on bf16-rounded Q|K|V, as
// bf16_attention_error; `kernel` is the one requested, and the one that ran is checked.
// With `scratch`, Q|K|V and the context are bf16 matrices (In = Out = bf16): identity GEMMs
// with bf16 weights copy the inputs in (exactly: they are bf16 already) and the context out.
AttentionError bf16_attention_diff(TwoDevices& t, CudaAttentionKernel kernel,
                                   const std::vector<std::int32_t>& lengths, std::int64_t heads,
                                   std::int64_t head_dim, float q_scale, std::uint32_t seed, bool scratch) {
  AttentionInput a = attention_input(lengths, heads, head_dim, q_scale, seed);
  const std::vector<std::int32_t>& starts = a.starts;
  const std::int64_t tokens = a.tokens, hidden = a.hidden;
  std::vector<float>& qkv = a.qkv;
  for (float& v : qkv) v = cuda_test::round_bf16(v);
  auto in = t.put(qkv, tokens, 3 * hidden);
  auto out = t.alloc(tokens, hidden);
  t.cpu_session().attention(in.cpu, starts, heads, out.cpu);
  auto identity = [&](std::int64_t n) {
    std::vector<float> w(static_cast<std::size_t>(n * n), 0.0f);
    for (std::int64_t i = 0; i < n; ++i) w[static_cast<std::size_t>(i * n + i)] = 1.0f;
    return t.gpu().make_linear(std::move(w), {}, n, n, Precision::BF16);
  };
  auto eye3 = identity(3 * hidden), eye = identity(hidden);
  Session& g = t.gpu_session();
  if (scratch) {
    Matrix q = g.alloc_scratch(tokens, 3 * hidden, Precision::BF16);
    Matrix c = g.alloc_scratch(tokens, hidden, Precision::BF16);
    EXPECT_EQ(q.storage, Storage::BF16);
    g.linear(in.gpu, *eye3, q);
    g.attention(q, starts, heads, c, Precision::BF16);
    g.linear(c, *eye, out.gpu);
  } else {
    g.attention(in.gpu, starts, heads, out.gpu, Precision::BF16);
  }
  EXPECT_EQ(t.gpu_probe().attention_kernel(Precision::BF16, head_dim), bf16_attention_kernel(kernel, head_dim))
      << "head_dim " << head_dim;
  return bf16_attention_error(t, out, starts);
}

// Both bf16 attention kernels (mma.sync, the default, and wmma), fp32 and bf16 matrices in
// and out, every head width the models use, lengths around the 64-token tiles, the longest
// sequences and large scores, each within its bound of every sequence's output RMS.
TEST(CudaOps, Bf16AttentionKernelsMatchTheCpuOnEveryShape) {
  RERANK_REQUIRE_CUDA(gpu);
  for (const CudaAttentionKernel kernel : {CudaAttentionKernel::Auto, CudaAttentionKernel::Wmma}) {
    const DeviceOptions options = cuda_test::cuda_options(kernel);
    TwoDevices t(make_device(options), options);
    for (const bool scratch : {false, true}) {
      const AttentionBound& bound = scratch ? kBf16AttentionBf16Out : kBf16Attention;
      const std::string what = std::string(kernel == CudaAttentionKernel::Wmma ? "wmma" : "auto (mma)") +
                               (scratch ? " bf16 scratch" : " fp32 in and out");
      const std::vector<std::int32_t> lengths{1, 3, 64, 65, 127, 200, 1100};
      for (const std::int64_t d : {16, 32, 48, 64, 128}) {
        EXPECT_TRUE(within(bf16_attention_diff(t, kernel, lengths, 4, d, 1.0f, 51, scratch), bound))
            << what << " head_dim " << d;
      }
      EXPECT_TRUE(within(bf16_attention_diff(t, kernel, {8192}, 2, 64, 1.0f, 52, scratch), bound)) << what;
      EXPECT_TRUE(within(bf16_attention_diff(t, kernel, {4097, 5, 3000}, 2, 128, 1.0f, 53, scratch), bound))
          << what;
      EXPECT_TRUE(within(bf16_attention_diff(t, kernel, {7, 300}, 2, 64, 12.0f, 54, scratch),
                         kBf16AttentionLargeScores))
          << what << " large scores";
    }
  }
}

TEST(CudaOps, GatherRowsAndToHostAreExact) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  const auto x = random_values(100 * 33, 1.0f, 61);
  auto m = t.put(x, 100, 33);
  EXPECT_EQ(max_abs_diff(t.gpu_values(m.gpu), x), 0.0);
  const std::vector<std::int32_t> rows{0, 99, 5, 5, 42};
  auto out = t.alloc(5, 33);
  t.cpu_session().gather_rows(m.cpu, rows, out.cpu);
  t.gpu_session().gather_rows(m.gpu, rows, out.gpu);
  EXPECT_EQ(t.diff(out), 0.0);
}

TEST(CudaOps, ShapeMistakesAreErrorsNotCrashes) {
  RERANK_REQUIRE_CUDA(gpu);
  auto s = gpu->make_session();
  s->begin();
  auto w = gpu->make_linear(std::vector<float>(12, 1.0f), {}, 3, 4, Precision::F32);
  Matrix x = s->alloc(2, 5), y = s->alloc(2, 3);
  EXPECT_THROW(s->linear(x, *w, y), Error);
  Matrix qkv = s->alloc(4, 12), out = s->alloc(4, 4);
  EXPECT_THROW(s->attention(qkv, std::vector<std::int32_t>{0, 5}, 2, out), Error);
}

TEST(CudaOps, SessionsAreReusableAcrossPasses) {
  RERANK_REQUIRE_CUDA(gpu);
  TwoDevices t(gpu);
  // Passes of growing size force the arenas to add blocks and merge them at begin().
  for (int pass = 0; pass < 4; ++pass) {
    t.cpu_session().begin();
    t.gpu_session().begin();
    const std::int64_t rows = 64 << (2 * pass);
    const auto x =
        random_values(static_cast<std::size_t>(rows * 256), 1.0f, 70 + static_cast<std::uint32_t>(pass));
    auto m = t.put(x, rows, 256);
    EXPECT_EQ(max_abs_diff(t.gpu_values(m.gpu), x), 0.0) << "pass " << pass;
  }
}

}  // namespace
}  // namespace rerank::engine
