#include "engine/cpu/cpu_device.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <oneapi/dnnl/dnnl.hpp>

#include "engine/arena.hpp"
#include "engine/cpu/attention_general.hpp"
#include "engine/cpu/cpu_features.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/cpu/onednn_linear.hpp"
#include "engine/cpu/parallel.hpp"
#include "rerank/error.hpp"

namespace rerank::engine::cpu {

namespace {

class CpuBuffer final : public DeviceBuffer {
 public:
  explicit CpuBuffer(std::vector<float> v) : values_(std::move(v)) {}
  const float* data() const override { return values_.data(); }
  std::size_t size() const override { return values_.size(); }

 private:
  std::vector<float> values_;
};

class CpuSession final : public Session {
 public:
  CpuSession(const dnnl::engine& eng, int threads) : threads_(threads), linear_(eng) {}

  void begin() override {
    arena_.reset();
    // Per calling thread: covers oneDNN's parallel regions and our kernels alike.
    set_num_threads(threads_);
  }

  Matrix alloc(std::int64_t rows, std::int64_t cols) override {
    if (rows < 0 || cols < 0) throw Error(ErrorCode::Internal, "negative matrix size");
    Matrix m;
    m.rows = rows;
    m.cols = cols;
    m.data = static_cast<float*>(arena_.allocate(static_cast<std::size_t>(rows * cols) * sizeof(float)));
    return m;
  }

 protected:
  void embed_primitive(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
                       const DeviceBuffer* token_type, Matrix& out) override {
    const std::int64_t h = out.cols;
    parallel_for(static_cast<std::int64_t>(batch.num_tokens()), [&](std::int64_t b, std::int64_t e, int) {
      for (std::int64_t t = b; t < e; ++t) {
        float* dst = out.data + t * h;
        const float* w = word.data() + static_cast<std::int64_t>(batch.input_ids[t]) * h;
        std::memcpy(dst, w, static_cast<std::size_t>(h) * sizeof(float));
        if (position) {
          const float* p = position->data() + static_cast<std::int64_t>(batch.position_ids[t]) * h;
          for (std::int64_t c = 0; c < h; ++c) dst[c] += p[c];
        }
        if (token_type) {
          const float* ty = token_type->data() + static_cast<std::int64_t>(batch.token_type_ids[t]) * h;
          for (std::int64_t c = 0; c < h; ++c) dst[c] += ty[c];
        }
      }
    });
  }

  void linear_primitive(const Matrix& x, const LinearWeights& w, Matrix& y, const LinearEpilogue& epilogue) override {
    const auto* weights = dynamic_cast<const OnednnLinear*>(&w);
    if (!weights) throw Error(ErrorCode::Internal, "linear: weights of another device were passed to a CPU session");
    linear_.run(x, *weights, y, epilogue, arena_);
  }

  void feed_forward_primitive(const Matrix& x, const LinearWeights& up, Activation act, const LinearWeights& down,
                              Matrix& intermediate, Matrix& hidden) override {
    const auto* w_up = dynamic_cast<const OnednnLinear*>(&up);
    const auto* w_down = dynamic_cast<const OnednnLinear*>(&down);
    if (!w_up || !w_down) {
      throw Error(ErrorCode::Internal, "feed_forward: weights of another device were passed to a CPU session");
    }
    linear_.run_feed_forward(x, *w_up, act, *w_down, intermediate, hidden, arena_);
  }

  void layer_norm_primitive(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer* beta, float eps,
                            Matrix* copy) override {
    const Arena::Scope temporaries(arena_);
    const float* bias = beta ? beta->data() : zeros(x.cols);  // + 0 leaves every value as it is
    parallel_for(x.rows, [&](std::int64_t b, std::int64_t e, int) {
      layer_norm_rows(x.data + b * x.cols, e - b, x.cols, x.cols, gamma.data(), bias, eps);
    });
    // The CPU never asks for input copies (its GEMMs read fp32), but honours one it is given.
    if (copy) convert_primitive(x, *copy);
  }

  void rms_norm_primitive(Matrix& x, const DeviceBuffer& gamma, float eps) override {
    parallel_for(x.rows, [&](std::int64_t b, std::int64_t e, int) {
      for (std::int64_t r = b; r < e; ++r) rms_norm_span(x.data + r * x.cols, x.cols, gamma.data(), eps);
    });
  }

  void rms_norm_heads_primitive(Matrix& x, std::int64_t first_col, std::int64_t heads, const DeviceBuffer& gamma,
                                float eps) override {
    const auto d = static_cast<std::int64_t>(gamma.size());
    parallel_for(x.rows, [&](std::int64_t b, std::int64_t e, int) {
      for (std::int64_t r = b; r < e; ++r) {
        for (std::int64_t h = 0; h < heads; ++h) rms_norm_span(x.data + r * x.cols + first_col + h * d, d, gamma.data(), eps);
      }
    });
  }

  // One RMSNorm: the mean of squares summed in double; then, as transformers, rsqrt of the
  // fp32 variance, x * rsqrt, then * weight.
  static void rms_norm_span(float* v, std::int64_t n, const float* g, float eps) {
    double squares = 0.0;
    for (std::int64_t c = 0; c < n; ++c) squares += static_cast<double>(v[c]) * v[c];
    const auto variance = static_cast<float>(squares / static_cast<double>(n));
    const float inv = 1.0f / std::sqrt(variance + eps);
    for (std::int64_t c = 0; c < n; ++c) v[c] = g[c] * (v[c] * inv);
  }

  void activation_primitive(Matrix& x, Activation act) override {
    parallel_for(x.rows, [&](std::int64_t b, std::int64_t e, int) {
      activation_inplace(x.data + b * x.cols, (e - b) * x.cols, act);
    });
  }

  void gated_activation_primitive(const Matrix& x, Matrix& out, Activation act) override {
    const std::int64_t m = out.cols;
    parallel_for(out.rows, [&](std::int64_t b, std::int64_t e, int) {
      for (std::int64_t r = b; r < e; ++r) {
        const float* input = x.data + r * x.cols;
        const float* gate = input + m;
        float* o = out.data + r * m;
        std::memcpy(o, input, static_cast<std::size_t>(m) * sizeof(float));
        activation_inplace(o, m, act);
        for (std::int64_t c = 0; c < m; ++c) o[c] *= gate[c];
      }
    });
  }

  void mean_rows_primitive(const Matrix& x, std::span<const std::int32_t> starts, Matrix& out) override {
    // Summed in double and divided once: as close to the exact mean as fp32 output allows.
    parallel_for(out.rows, [&](std::int64_t b, std::int64_t e, int) {
      std::vector<double> sum(static_cast<std::size_t>(x.cols));
      for (std::int64_t s = b; s < e; ++s) {
        std::fill(sum.begin(), sum.end(), 0.0);
        for (std::int64_t r = starts[s]; r < starts[s + 1]; ++r) {
          const float* row = x.data + r * x.cols;
          for (std::int64_t c = 0; c < x.cols; ++c) sum[c] += row[c];
        }
        const double n = static_cast<double>(starts[s + 1] - starts[s]);
        for (std::int64_t c = 0; c < x.cols; ++c) out.data[s * x.cols + c] = static_cast<float>(sum[c] / n);
      }
    });
  }

  void attention_primitive(const AttentionInputs& in, const AttentionSpec& spec, Matrix& out) override {
    // The matrices are fp32; a bf16 or int8 model's fused attention multiplies in bf16 where
    // the CPU has AVX-512 BF16 (kernels.hpp, AttentionHeadArgs::bf16), else fp32. Self-attention on a fused Q|K|V, multi-head or grouped, causal
    // or not, with rotary positions, a symmetric window or a relative bias (BERT, ModernBERT,
    // T5's encoder, Qwen3) runs on the fused kernel; every other spec (cross-attention, a KV
    // cache, soft-capping, causal-left windows) on the general one.
    const bool fused = in.qkv && !in.prefix_kv && !in.kv_out && spec.softcap == 0.0f && spec.scale > 0.0f &&
                       (spec.window.kind == AttentionWindow::Kind::None ||
                        spec.window.kind == AttentionWindow::Kind::Symmetric);
    if (!fused) {
      attention_general(in, spec, out, arena_);
      return;
    }
    const std::int64_t window = spec.window.kind == AttentionWindow::Kind::Symmetric ? spec.window.radius : -1;
    if (!spec.rotary_on) {
      fused_attention(*in.qkv, in.seq_starts, spec, window, out);
      return;
    }
    // Rotary: Q and K rotated by each token's position in its sequence, in a copy.
    const Arena::Scope temporaries(arena_);
    const Matrix& qkv = *in.qkv;
    Matrix rotated = qkv;
    rotated.data = static_cast<float*>(arena_.allocate(static_cast<std::size_t>(qkv.rows * qkv.cols) * sizeof(float)));
    const std::vector<float> inv_freq = rotary_inverse_frequencies(spec.rotary, spec.head_dim);
    const std::span<const std::int32_t> starts = in.seq_starts;
    parallel_for(static_cast<std::int64_t>(starts.size()) - 1, [&](std::int64_t b, std::int64_t e, int) {
      for (std::int64_t s = b; s < e; ++s) {
        for (std::int64_t t = starts[s]; t < starts[s + 1]; ++t) {
          float* row = rotated.data + t * qkv.cols;
          std::memcpy(row, qkv.data + t * qkv.cols, static_cast<std::size_t>(qkv.cols) * sizeof(float));
          rotate(row, spec.heads + spec.kv_heads_or_heads(), spec.head_dim, t - starts[s], spec.rotary,
                 inv_freq);  // Q and K heads
        }
      }
    });
    fused_attention(rotated, starts, spec, window, out);
  }

  void fused_attention(const Matrix& qkv, std::span<const std::int32_t> starts, const AttentionSpec& spec,
                       std::int64_t window, Matrix& out) {
    const std::int64_t num_heads = spec.heads;
    const float scale = spec.scale;
    const std::int64_t hidden = out.cols;  // heads * d: Q's width and the output's
    const std::int64_t d = spec.head_dim;
    const std::int64_t kv_hidden = spec.kv_heads_or_heads() * d;
    const std::int64_t group = num_heads / spec.kv_heads_or_heads();  // query heads per KV head
    const std::int64_t nseq = static_cast<std::int64_t>(starts.size()) - 1;
    std::int64_t tmax = 0;
    for (std::int64_t s = 0; s < nseq; ++s) tmax = std::max<std::int64_t>(tmax, starts[s + 1] - starts[s]);
    const std::size_t per_thread = (attention_scratch_floats(tmax, d) + 15) / 16 * 16;
    const int threads = max_threads();
    const Arena::Scope temporaries(arena_);
    auto* scratch = static_cast<float*>(arena_.allocate(per_thread * static_cast<std::size_t>(threads) * sizeof(float)));
    // Longest sequences first keeps the threads evenly loaded at the end.
    std::vector<std::int64_t> order(static_cast<std::size_t>(nseq));
    for (std::int64_t s = 0; s < nseq; ++s) order[s] = s;
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      return starts[a + 1] - starts[a] > starts[b + 1] - starts[b];
    });
    parallel_for_dynamic(nseq * num_heads, [&](std::int64_t item, int thread) {
      const std::int64_t s = order[item / num_heads];
      const std::int64_t head = item % num_heads;
      const std::int64_t first = starts[s];
      AttentionHeadArgs a;
      a.t = starts[s + 1] - first;
      if (a.t <= 0) return;
      a.d = d;
      a.ld = qkv.cols;
      a.q = qkv.data + first * qkv.cols + head * d;
      const float* kv_row = qkv.data + first * qkv.cols + hidden + (head / group) * d;
      a.k = kv_row;
      a.v = kv_row + kv_hidden;
      a.out = out.data + first * hidden + head * d;
      a.ldo = hidden;
      a.scale = scale;
      a.window = window;
      a.causal = spec.causal;
      a.bf16 = spec.precision != Precision::F32;  // the GEMMs that made Q|K|V rounded at least as much
      if (spec.bias.values) {
        a.bias = spec.bias.values->data + head;  // column `head` of [(2D + 1) x heads]
        a.bias_stride = spec.bias.values->cols;
        a.bias_max_distance = spec.bias.max_distance;
      }
      a.scratch = scratch + per_thread * static_cast<std::size_t>(thread);
      attention_head(a);
    });
  }

  void convert_primitive(const Matrix& x, Matrix& out) override {
    if (x.storage != Storage::F32 || out.storage != Storage::F32) {
      throw Error(ErrorCode::Internal, "convert: the CPU backend stores only fp32 matrices");
    }
    if (out.data != x.data) {
      std::memcpy(out.data, x.data, static_cast<std::size_t>(x.rows * x.cols) * sizeof(float));
    }
  }

  void gather_rows_primitive(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) override {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::memcpy(out.data + static_cast<std::int64_t>(i) * x.cols, x.data + static_cast<std::int64_t>(rows[i]) * x.cols,
                  static_cast<std::size_t>(x.cols) * sizeof(float));
    }
  }

  void to_host_primitive(const Matrix& x, float* dst) override {
    std::memcpy(dst, x.data, static_cast<std::size_t>(x.rows * x.cols) * sizeof(float));
  }

 private:
  // `n` zero floats from the arena (inside the caller's Arena::Scope).
  const float* zeros(std::int64_t n) {
    auto* z = static_cast<float*>(arena_.allocate(static_cast<std::size_t>(n) * sizeof(float)));
    std::fill(z, z + n, 0.0f);
    return z;
  }

  int threads_;
  Arena arena_;
  LinearRunner linear_;
};

class CpuDevice final : public Device {
 public:
  explicit CpuDevice(int threads) : engine_(dnnl::engine::kind::cpu, 0), threads_(threads) {}

  std::unique_ptr<LinearWeights> make_linear(std::vector<float> weight, std::vector<float> bias, std::int64_t out,
                                             std::int64_t in, Precision precision,
                                             ActivationScales int8_scales) const override {
    try {
      return std::make_unique<OnednnLinear>(engine_, std::move(weight), std::move(bias), out, in, precision,
                                            int8_scales == ActivationScales::PerToken);
    } catch (const dnnl::error& e) {
      throw Error(ErrorCode::Backend, std::string("oneDNN could not prepare a ") + std::string(precision_name(precision)) +
                                          " linear layer: " + e.what());
    }
  }

  std::unique_ptr<DeviceBuffer> upload(std::vector<float> values) const override {
    return std::make_unique<CpuBuffer>(std::move(values));
  }

  std::unique_ptr<Session> make_session() const override { return std::make_unique<CpuSession>(engine_, threads_); }
  std::unique_ptr<Session> make_lane_session(int threads) const override {
    return std::make_unique<CpuSession>(engine_, std::clamp(threads, 1, threads_));
  }

  std::string describe() const override {
    std::string s = "cpu (" + cpu_features().summary() + "), " + std::to_string(threads_) + " threads, kernels " +
                    kernels_isa() + ", bf16 " +
                    (onednn_has_bf16_matmul(engine_) ? "native oneDNN matmul" : "emulated (bf16-rounded, fp32 GEMM)") +
                    ", int8 u8s8 (" + int8_gemm_description() + ")";
    return s;
  }

  int threads() const override { return threads_; }

 private:
  // Where oneDNN runs int8 GEMMs (AMX or VNNI), and 7-bit weights where the kernels see no VNNI
  // (OnednnLinear's quantisation; RERANK_CPU_ISA=avx2 caps the kernels, not oneDNN).
  std::string int8_gemm_description() const {
    const bool amx = onednn_int8_on_amx(engine_), vnni = cpu_features().avx512vnni;
    std::string s = amx ? "AMX, raw sums" : vnni ? "VNNI" : "";
    if (!vnni) s += std::string(s.empty() ? "" : "; ") + "7-bit weights, no VNNI";
    return s;
  }

  dnnl::engine engine_;
  int threads_;
};

class CpuProbe final : public DeviceProbe {
 public:
  explicit CpuProbe(int threads) : engine_(dnnl::engine::kind::cpu, 0), threads_(threads) {}

  double measure_gemm_peak_gflops(Precision precision) const override {
    set_num_threads(threads_);
    return measure_matmul_peak(engine_, precision);
  }

  std::string gemm_peak_method() const override { return "oneDNN matmul, 1024-2048 square"; }

  int threads() const override { return threads_; }

  std::string attention_kernel(Precision, std::int64_t) const override { return "fp32"; }

 private:
  dnnl::engine engine_;
  int threads_;
};

}  // namespace

std::unique_ptr<Device> make_cpu_device(int threads) {
  if (threads <= 0) threads = hardware_threads();
  try {
    return std::make_unique<CpuDevice>(threads);
  } catch (const dnnl::error& e) {
    throw Error(ErrorCode::Backend, std::string("oneDNN CPU engine unavailable: ") + e.what());
  }
}

}  // namespace rerank::engine::cpu

namespace rerank::engine::cpu {

std::unique_ptr<DeviceProbe> make_cpu_probe(int threads) {
  if (threads <= 0) threads = hardware_threads();
  try {
    return std::make_unique<CpuProbe>(threads);
  } catch (const dnnl::error& e) {
    throw Error(ErrorCode::Backend, std::string("oneDNN CPU engine unavailable: ") + e.what());
  }
}

}  // namespace rerank::engine::cpu
