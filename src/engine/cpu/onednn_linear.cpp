#include "engine/cpu/onednn_linear.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <unordered_map>

#include "engine/cpu/activation_math.hpp"
#include "engine/cpu/cpu_features.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/cpu/parallel.hpp"
#include "rerank/error.hpp"

namespace rerank::engine::cpu {

using dnnl::memory;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

namespace {

// M used only to let oneDNN pick the weights layout at load time.
constexpr memory::dim kLayoutProbeM = 256;

dt src_type(Precision p, bool emulated) {
  if (p == Precision::Int8) return dt::u8;
  if (p == Precision::BF16 && !emulated) return dt::bf16;
  return dt::f32;
}
dt weights_type(Precision p, bool emulated) {
  if (p == Precision::Int8) return dt::s8;
  if (p == Precision::BF16 && !emulated) return dt::bf16;
  return dt::f32;
}

// The GEMM's attributes: int8 output scales, the residual sum. Activations are not oneDNN
// post-ops: the runner applies its own kernels after the GEMM (activation_inplace), one rule
// for every precision and faster where it counts (int8: gemm:jit's post-processing pass ran
// erf-GELU at ~40% of the FFN-up GEMM's own time, bench/linear_bench).
dnnl::primitive_attr make_attr(Precision p, bool accumulate) {
  dnnl::primitive_attr attr;
  // Scratch memory is the runner's, lent at each call. Left to the library, every
  // cached primitive (one per token count) keeps its own M x N scratch, and memory grows with
  // the number of distinct batch sizes seen.
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::post_ops ops;
  if (p == Precision::Int8) {
    attr.set_output_scales(1 << 1, {DNNL_RUNTIME_F32_VAL});
    // oneDNN 2.x adds an int8 matmul's bias before the output scales, so the caller passes
    // bias / scale per call, with the activations' zero point folded in (no zero-point
    // attribute: the plain u8s8 kernel). A binary-add post-op sends AVX2 to the slow ref_int8.
  }
  if (accumulate) ops.append_sum(1.0f);
  attr.set_post_ops(ops);
  return attr;
}

dnnl::matmul::primitive_desc make_pd(const dnnl::engine& eng, memory::dim m, memory::dim k, memory::dim n, Precision p,
                                     bool emulated, const memory::desc& wdesc, bool accumulate) {
  const memory::desc src({m, k}, src_type(p, emulated), tag::ab);
  const memory::desc dst({m, n}, dt::f32, tag::ab);
  const dnnl::primitive_attr attr = make_attr(p, accumulate);
  const memory::desc bias({1, n}, dt::f32, tag::ab);
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, wdesc, bias, dst), attr, eng);
}

// The int8 GEMM of a raw-sums layer (OnednnLinear::raw_sums): s32 sums with no scales, bias or
// post-ops, which the caller dequantises row by row.
dnnl::matmul::primitive_desc make_s32_pd(const dnnl::engine& eng, memory::dim m, memory::dim k, memory::dim n,
                                         const memory::desc& wdesc) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const memory::desc src({m, k}, dt::u8, tag::ab);
  const memory::desc dst({m, n}, dt::s32, tag::ab);
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, wdesc, dst), attr, eng);
}

// Whether oneDNN picked one of its AMX kernels (its implementation names them, e.g.
// "brg:avx512_core_amx_int8").
bool runs_on_amx(const dnnl::matmul::primitive_desc& pd) {
  return std::string(pd.impl_info_str()).find("amx") != std::string::npos;
}

// The u8 scale and zero point for values in [lo, hi]: asymmetric, the range widened to
// include 0 so a zero (padding, ReLU's output) stays exact, as ONNX Runtime's
// DynamicQuantizeLinear does. One rule for per-tensor, per-block and per-token scales.
struct U8Params {
  float scale;
  std::int32_t zero;
};
U8Params u8_params(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  const float scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
  return {scale, static_cast<std::int32_t>(std::clamp(std::nearbyint(-lo / scale), 0.0f, 255.0f))};
}

}  // namespace

bool onednn_has_bf16_matmul(const dnnl::engine& eng) {
  static const bool yes = [&] {
    try {
      const memory::desc src({64, 64}, dt::bf16, tag::ab), wei({64, 64}, dt::bf16, tag::any),
          dst({64, 64}, dt::f32, tag::ab);
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), eng);
      // The reference implementation "works" everywhere but is far slower than fp32.
      return std::string(pd.impl_info_str()).find("ref") == std::string::npos;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return yes;
}

bool onednn_int8_on_amx(const dnnl::engine& eng) {
  static const bool yes = [&] {
    try {
      const memory::desc any({384, 1536}, dt::s8, tag::any);
      return runs_on_amx(make_s32_pd(eng, kLayoutProbeM, 384, 1536, any));
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return yes;
}

OnednnLinear::OnednnLinear(const dnnl::engine& eng, std::vector<float> weight, std::vector<float> bias, std::int64_t out,
                           std::int64_t in, Precision precision, bool per_token_scales)
    : in_(in), out_(out), precision_(precision), per_token_scales_(per_token_scales && precision == Precision::Int8),
      bias_(std::move(bias)) {
  if (static_cast<std::int64_t>(weight.size()) != out * in) {
    throw Error(ErrorCode::Internal, "linear weight has the wrong number of values");
  }
  if (bias_.empty()) bias_.assign(static_cast<std::size_t>(out), 0.0f);
  bias_mem_ = memory(memory::desc({1, out}, dt::f32, tag::ab), eng, bias_.data());
  if (precision == Precision::BF16 && !onednn_has_bf16_matmul(eng)) {
    // No bf16 GEMM on this CPU: keep bf16's rounding of the weights, compute in fp32.
    bf16_emulated_ = true;
    round_to_bf16(weight.data(), static_cast<std::int64_t>(weight.size()));
  }

  // The user's weights: [out x in] row-major is the [K x N] matrix in "ba" order.
  dnnl::stream stream(eng);
  std::vector<std::int8_t> qweight;
  memory user;
  if (precision == Precision::Int8) {
    // Symmetric per-output-channel quantisation. Without VNNI the u8*s8 products are summed
    // pairwise in 16 bits (vpmaddubsw), so weights use 7 bits there to rule out saturation.
    const float qmax = cpu_features().avx512vnni ? 127.0f : 63.0f;
    weight_scales_.resize(static_cast<std::size_t>(out));
    weight_sums_.assign(static_cast<std::size_t>(out), 0.0f);
    qweight.resize(weight.size());
    for (std::int64_t o = 0; o < out; ++o) {
      const float* row = weight.data() + o * in;
      float amax = 0.0f;
      for (std::int64_t i = 0; i < in; ++i) amax = std::max(amax, std::fabs(row[i]));
      const float scale = amax > 0.0f ? amax / qmax : 1.0f;
      weight_scales_[o] = scale;
      std::int32_t sum = 0;
      for (std::int64_t i = 0; i < in; ++i) {
        qweight[o * in + i] = static_cast<std::int8_t>(std::clamp(std::nearbyint(row[i] / scale), -qmax, qmax));
        sum += qweight[o * in + i];
      }
      weight_sums_[o] = static_cast<float>(sum);
    }
    user = memory(memory::desc({in, out}, dt::s8, tag::ba), eng, qweight.data());
  } else {
    user = memory(memory::desc({in, out}, dt::f32, tag::ba), eng, weight.data());
  }
  const memory::desc any({in, out}, weights_type(precision, bf16_emulated_), tag::any);
  if (precision == Precision::Int8) {
    // The weights take the layout of the GEMM that will run them.
    const auto sums_pd = make_s32_pd(eng, kLayoutProbeM, in, out, any);
    on_amx_ = runs_on_amx(sums_pd);
    if (on_amx_) weights_desc_ = sums_pd.weights_desc();
  }
  raw_sums_ = per_token_scales_ || on_amx_;
  if (!on_amx_) {
    weights_desc_ = make_pd(eng, kLayoutProbeM, in, out, precision, bf16_emulated_, any, /*accumulate=*/false)
                        .weights_desc();
  }
  weights_ = memory(weights_desc_, eng);
  dnnl::reorder(user, weights_).execute(stream, user, weights_);
  stream.wait();
}

LinearRunner::LinearRunner(const dnnl::engine& eng) : engine_(eng), stream_(eng) {}

void* LinearRunner::scratch(std::size_t bytes) {
  if (bytes > scratch_bytes_) {
    // Doubling: token counts creep up batch by batch, and freeing then allocating a slightly
    // larger block each time fragments the heap.
    const std::size_t size = (std::max(bytes, 2 * scratch_bytes_) + 63) / 64 * 64;
    scratch_.reset();  // free the old block before taking the larger one
    scratch_.reset(static_cast<std::byte*>(std::aligned_alloc(64, size)));
    if (!scratch_) throw std::bad_alloc();
    scratch_bytes_ = size;
  }
  return scratch_.get();
}

LinearRunner::Prepared& LinearRunner::primitive(const Key& key, const OnednnLinear& w) {
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  // Token counts vary per batch; bound the cache (oneDNN keeps its own cache behind this).
  if (cache_.size() >= 512) cache_.clear();
  const auto [m, k, n, precision, accumulate, s32_sums] = key;
  const auto pd = s32_sums ? make_s32_pd(engine_, m, k, n, w.weights_desc())
                           : make_pd(engine_, m, k, n, w.precision(), w.bf16_emulated(), w.weights_desc(), accumulate != 0);
  return cache_.emplace(key, Prepared{dnnl::matmul(pd), pd.scratchpad_desc()}).first->second;
}

void LinearRunner::execute(Prepared& prepared, std::unordered_map<int, memory>& args) {
  if (const std::size_t bytes = prepared.scratchpad.get_size(); bytes > 0) {
    args[DNNL_ARG_SCRATCHPAD] = memory(prepared.scratchpad, engine_, scratch(bytes));
  }
  try {
    prepared.matmul.execute(stream_, args);
    stream_.wait();
  } catch (const dnnl::error& err) {
    throw Error(ErrorCode::Backend, std::string("oneDNN matmul failed: ") + err.what());
  }
}

void LinearRunner::run(const Matrix& x, const OnednnLinear& w, Matrix& y, const LinearEpilogue& e, Arena& arena) {
  const memory::dim m = x.rows, k = w.in_features(), n = w.out_features();
  if (x.cols != k || y.cols != n || y.rows != m) {
    throw Error(ErrorCode::Internal, "linear: shape mismatch (x " + std::to_string(x.rows) + "x" +
                                         std::to_string(x.cols) + ", W " + std::to_string(n) + "x" +
                                         std::to_string(k) + ", y " + std::to_string(y.rows) + "x" +
                                         std::to_string(y.cols) + ")");
  }
  if (m == 0) return;
  if (w.per_token_scales()) {
    run_per_token(x, w, y, e, arena);
    return;
  }
  const Arena::Scope temporaries(arena);  // quantised or rounded inputs, scales: this call only
  if (w.precision() == Precision::Int8) {
    // Dynamic per-tensor asymmetric quantisation of the activations.
    const auto [lo, hi] = value_range(x);
    run_u8(quantise(x, lo, hi, Activation::None, arena), w, y, e.accumulate, arena);
  } else {
    run_float(x, Activation::None, w, y, e.accumulate, arena);
  }
  if (e.activation != Activation::None) {
    parallel_for(m, [&](std::int64_t r0, std::int64_t r1, int) {
      activation_inplace(y.data + r0 * n, (r1 - r0) * n, e.activation);
    });
  }
}

void LinearRunner::run_feed_forward(const Matrix& x, const OnednnLinear& up, Activation act, const OnednnLinear& down,
                                    Matrix& intermediate, Matrix& hidden, Arena& arena) {
  // Block by block of rows, so the intermediate a block makes is still in the cache when its
  // activation, conversion and second GEMM read it (MiniLM: 1024 x 1536 fp32 = 6 MiB). On AMX
  // the GEMMs are fast enough for the passes over the intermediate to dominate,
  // and one raw-sums block per feed-forward block keeps it half as large: MiniLM int8 on a
  // 2-core Xeon, 200 SciFact pairs, 512 against 1024 rows: 84.7 / 85.4 against 79.6 / 75.8
  // pairs/s (bf16 on the same CPU: no difference).
  const std::int64_t block = up.on_amx() ? kSumsBlockRows : kFeedForwardBlockRows;
  for (std::int64_t r0 = 0; r0 < x.rows; r0 += block) {
    const std::int64_t rows = std::min(block, x.rows - r0);
    Matrix mid = row_range(intermediate, r0, rows), out = row_range(hidden, r0, rows);
    feed_forward_block(row_range(x, r0, rows), up, act, down, mid, out, arena);
  }
}

void LinearRunner::feed_forward_block(const Matrix& x, const OnednnLinear& up, Activation act, const OnednnLinear& down,
                                      Matrix& intermediate, Matrix& hidden, Arena& arena) {
  // Where down's input is converted anyway (int8 with per-tensor scales: quantised, here one
  // scale per block; bf16: rounded), act is applied in that pass, on up's output as it left
  // the GEMM.
  const bool int8 = down.precision() == Precision::Int8 && !down.per_token_scales();
  const bool fused = int8 || down.precision() == Precision::BF16;
  run(x, up, intermediate, {fused ? Activation::None : act, false}, arena);
  if (!fused) {
    run(intermediate, down, hidden, {Activation::None, true}, arena);
    return;
  }
  const Arena::Scope temporaries(arena);
  if (int8) {
    // Quantised with the range act maps the pre-activation range to.
    const auto [lo, hi] = value_range(intermediate);
    const auto [act_lo, act_hi] = activation_range(act, lo, hi);
    run_u8(quantise(intermediate, act_lo, act_hi, act, arena), down, hidden, /*accumulate=*/true, arena);
  } else {
    run_float(intermediate, act, down, hidden, /*accumulate=*/true, arena);
  }
}

std::pair<float, float> LinearRunner::value_range(const Matrix& x) const {
  const std::int64_t count = x.rows * x.cols;
  const int threads = max_threads();
  std::vector<float> lo(static_cast<std::size_t>(threads), std::numeric_limits<float>::infinity());
  std::vector<float> hi(static_cast<std::size_t>(threads), -std::numeric_limits<float>::infinity());
  parallel_for(count, [&](std::int64_t b, std::int64_t end, int t) {
    float a, c;
    min_max(x.data + b, end - b, &a, &c);
    lo[static_cast<std::size_t>(t)] = std::min(lo[static_cast<std::size_t>(t)], a);
    hi[static_cast<std::size_t>(t)] = std::max(hi[static_cast<std::size_t>(t)], c);
  });
  const float mn = *std::min_element(lo.begin(), lo.end());
  const float mx = *std::max_element(hi.begin(), hi.end());
  // NaN fails both comparisons, so it is caught as well as the infinities.
  if (!(std::isfinite(mn) && std::isfinite(mx))) {
    throw Error(ErrorCode::Backend, "int8 linear: activations are not finite");
  }
  return {mn, mx};
}

LinearRunner::Quantised LinearRunner::quantise(const Matrix& x, float lo, float hi, Activation act,
                                               Arena& arena) const {
  const U8Params params = u8_params(lo, hi);
  Quantised out;
  out.rows = x.rows;
  out.scale = params.scale;
  out.zero = params.zero;
  const std::int64_t count = x.rows * x.cols;
  out.data = static_cast<std::uint8_t*>(arena.allocate(static_cast<std::size_t>(count)));
  parallel_for(count, [&](std::int64_t b, std::int64_t end, int) {
    quantize_u8(x.data + b, end - b, 1.0f / out.scale, out.zero, out.data + b, act);
  });
  return out;
}

void LinearRunner::run_u8(const Quantised& x, const OnednnLinear& w, Matrix& y, bool accumulate, Arena& arena) {
  if (w.raw_sums()) {
    const float scale = x.scale, zero = static_cast<float>(x.zero);
    run_sums(x.data, x.rows, &scale, &zero, /*per_row=*/false, w, y, {Activation::None, accumulate}, arena);
    return;
  }
  const memory::dim m = x.rows, k = w.in_features(), n = w.out_features();
  Prepared& prepared = primitive(Key{m, k, n, static_cast<int>(Precision::Int8), accumulate ? 1 : 0, 0}, w);
  auto* sc = static_cast<float*>(arena.allocate(static_cast<std::size_t>(n) * sizeof(float)));
  auto* bias = static_cast<float*>(arena.allocate(static_cast<std::size_t>(n) * sizeof(float)));
  const auto* b = static_cast<const float*>(w.bias().get_data_handle());
  // y = sc * (sum_k (q_k - zero) w_k) + b = sc * (sum_k q_k w_k + b / sc - zero * sum_k w_k)
  for (memory::dim j = 0; j < n; ++j) {
    const auto jj = static_cast<std::size_t>(j);
    sc[j] = x.scale * w.weight_scales()[jj];
    bias[j] = b[j] / sc[j] - static_cast<float>(x.zero) * w.weight_sums()[jj];
  }
  std::unordered_map<int, memory> args;
  args[DNNL_ARG_SRC] = memory({{m, k}, dt::u8, tag::ab}, engine_, x.data);
  args[DNNL_ARG_WEIGHTS] = w.weights();
  args[DNNL_ARG_DST] = memory({{m, n}, dt::f32, tag::ab}, engine_, y.data);
  args[DNNL_ARG_BIAS] = memory({{1, n}, dt::f32, tag::ab}, engine_, bias);
  args[DNNL_ARG_ATTR_OUTPUT_SCALES] = memory({{n}, dt::f32, tag::a}, engine_, sc);
  execute(prepared, args);
}

void LinearRunner::run_float(const Matrix& x, Activation act, const OnednnLinear& w, Matrix& y, bool accumulate,
                             Arena& arena) {
  const memory::dim m = x.rows, k = w.in_features(), n = w.out_features();
  Prepared& prepared = primitive(Key{m, k, n, static_cast<int>(w.precision()), accumulate ? 1 : 0, 0}, w);
  const dt sdt = src_type(w.precision(), w.bf16_emulated());
  void* src_ptr = x.data;
  if (sdt == dt::bf16) {
    auto* b = static_cast<std::uint16_t*>(arena.allocate(static_cast<std::size_t>(m * k) * 2));
    parallel_for(m, [&](std::int64_t r0, std::int64_t r1, int) {
      to_bf16(x.data + r0 * k, (r1 - r0) * k, b + r0 * k, act);
    });
    src_ptr = b;
  } else if (w.bf16_emulated() || act != Activation::None) {
    auto* b = static_cast<float*>(arena.allocate(static_cast<std::size_t>(m * k) * sizeof(float)));
    parallel_for(m, [&](std::int64_t r0, std::int64_t r1, int) {
      std::memcpy(b + r0 * k, x.data + r0 * k, static_cast<std::size_t>((r1 - r0) * k) * sizeof(float));
      activation_inplace(b + r0 * k, (r1 - r0) * k, act);
      if (w.bf16_emulated()) round_to_bf16(b + r0 * k, (r1 - r0) * k);
    });
    src_ptr = b;
  }
  std::unordered_map<int, memory> args;
  args[DNNL_ARG_SRC] = memory({{m, k}, sdt, tag::ab}, engine_, src_ptr);
  args[DNNL_ARG_WEIGHTS] = w.weights();
  args[DNNL_ARG_DST] = memory({{m, n}, dt::f32, tag::ab}, engine_, y.data);
  args[DNNL_ARG_BIAS] = w.bias();
  execute(prepared, args);
}

void LinearRunner::run_per_token(const Matrix& x, const OnednnLinear& w, Matrix& y, const LinearEpilogue& e,
                                 Arena& arena) {
  const memory::dim m = x.rows, k = w.in_features();
  const Arena::Scope temporaries(arena);
  auto* q = static_cast<std::uint8_t*>(arena.allocate(static_cast<std::size_t>(m * k)));
  auto* row_scale = static_cast<float*>(arena.allocate(static_cast<std::size_t>(m) * sizeof(float)));
  auto* row_zero = static_cast<float*>(arena.allocate(static_cast<std::size_t>(m) * sizeof(float)));
  std::atomic<bool> finite{true};
  // Asymmetric u8 per row: the range of each token's own values (u8_params).
  parallel_for(m, [&](std::int64_t r0, std::int64_t r1, int) {
    for (std::int64_t r = r0; r < r1; ++r) {
      float lo, hi;
      min_max(x.data + r * k, k, &lo, &hi);
      if (!std::isfinite(lo) || !std::isfinite(hi)) finite = false;
      const U8Params params = u8_params(lo, hi);
      row_scale[r] = params.scale;
      row_zero[r] = static_cast<float>(params.zero);
      quantize_u8(x.data + r * k, k, 1.0f / params.scale, params.zero, q + r * k);
    }
  });
  if (!finite) throw Error(ErrorCode::Backend, "int8 linear: activations are not finite");
  run_sums(q, m, row_scale, row_zero, /*per_row=*/true, w, y, e, arena);
}

void LinearRunner::run_sums(const std::uint8_t* q, std::int64_t rows, const float* row_scale, const float* row_zero,
                            bool per_row, const OnednnLinear& w, Matrix& y, const LinearEpilogue& e, Arena& arena) {
  const memory::dim k = w.in_features(), n = w.out_features();
  const Arena::Scope temporaries(arena);
  const std::int64_t block = w.on_amx() ? std::min(rows, kSumsBlockRows) : rows;
  auto* sums = static_cast<std::int32_t*>(arena.allocate(static_cast<std::size_t>(block * n) * sizeof(std::int32_t)));
  const float* bias = static_cast<const float*>(w.bias().get_data_handle());
  const float* col_scale = w.weight_scales().data();
  const float* col_sum = w.weight_sums().data();
  for (std::int64_t r0 = 0; r0 < rows; r0 += block) {
    const memory::dim m = std::min(block, rows - r0);
    Prepared& prepared = primitive(Key{m, k, n, static_cast<int>(Precision::Int8), 0, 1}, w);
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = memory({{m, k}, dt::u8, tag::ab}, engine_, const_cast<std::uint8_t*>(q + r0 * k));
    args[DNNL_ARG_WEIGHTS] = w.weights();
    args[DNNL_ARG_DST] = memory({{m, n}, dt::s32, tag::ab}, engine_, sums);
    execute(prepared, args);
    parallel_for(m, [&](std::int64_t b0, std::int64_t b1, int) {
      for (std::int64_t b = b0; b < b1; ++b) {
        const std::int64_t r = r0 + b;
        float* out = y.data + r * n;
        dequantize_sums(sums + b * n, n, row_scale[per_row ? r : 0], row_zero[per_row ? r : 0], col_scale, col_sum,
                        bias, out, e.accumulate);
        activation_inplace(out, n, e.activation);
      }
    });
  }
}

double measure_matmul_peak(const dnnl::engine& eng, Precision p) {
  const bool emulated = p == Precision::BF16 && !onednn_has_bf16_matmul(eng);
  double best = 0.0;
  for (memory::dim size : {1024, 2048}) {
    const memory::dim m = size, k = size, n = size;
    const memory::desc src({m, k}, src_type(p, emulated), tag::ab);
    const memory::desc wei({k, n}, weights_type(p, emulated), tag::any);
    const memory::desc dst({m, n}, dt::f32, tag::ab);
    dnnl::primitive_attr attr;
    if (p == Precision::Int8) attr.set_output_scales(0, {1.0f});
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), attr, eng);
    memory s(pd.src_desc(), eng), w(pd.weights_desc(), eng), d(pd.dst_desc(), eng);
    std::memset(s.get_data_handle(), 0, pd.src_desc().get_size());
    std::memset(w.get_data_handle(), 0, pd.weights_desc().get_size());
    dnnl::matmul prim(pd);
    dnnl::stream stream(eng);
    const std::unordered_map<int, memory> args{{DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, d}};
    prim.execute(stream, args);
    stream.wait();
    const int reps = size == 1024 ? 8 : 3;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      prim.execute(stream, args);
      stream.wait();
      const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::max(best, 2.0 * static_cast<double>(m * n * k) / sec / 1e9);
    }
  }
  return best;
}

}  // namespace rerank::engine::cpu
