// Linear layers on oneDNN matmul primitives. Weights are converted once at load into the
// layout and data type the primitive prefers; primitives are created per GEMM shape and
// cached by the session (a batch's token count changes the M dimension).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "engine/arena.hpp"
#include "engine/types.hpp"

namespace rerank::engine::cpu {

class OnednnLinear final : public LinearWeights {
 public:
  // per_token_scales (int8 only): the activations are quantised row by row, each token with
  // its own scale and zero point, instead of one pair for the whole matrix.
  OnednnLinear(const dnnl::engine& engine, std::vector<float> weight, std::vector<float> bias, std::int64_t out,
               std::int64_t in, Precision precision, bool per_token_scales = false);

  std::int64_t in_features() const override { return in_; }
  std::int64_t out_features() const override { return out_; }
  Precision precision() const override { return precision_; }
  // bf16 requested but this CPU has no bf16 matmul: weights were rounded to bf16 and run as fp32.
  bool bf16_emulated() const { return bf16_emulated_; }
  bool per_token_scales() const { return per_token_scales_; }
  // int8 whose GEMM returns raw s32 sums, scaled by the engine (dequantize_sums): per-token
  // scales, and every int8 layer on a CPU where oneDNN runs the raw sums on AMX. oneDNN 2.6's
  // AMX kernels take no run-time output scales, so the scaled GEMM falls back to gemm:jit
  // (VNNI) there, at a tenth of the AMX rate (measured on a 2-core Xeon with AMX).
  bool raw_sums() const { return raw_sums_; }
  // int8 whose raw sums oneDNN runs on AMX (then run 512 rows at a time: kSumsBlockRows).
  bool on_amx() const { return on_amx_; }

  const dnnl::memory::desc& weights_desc() const { return weights_desc_; }
  const dnnl::memory& weights() const { return weights_; }
  const dnnl::memory& bias() const { return bias_mem_; }
  const std::vector<float>& weight_scales() const { return weight_scales_; }
  // int8: per output channel, the sum of its quantised weights (folds the activations' zero
  // point into the bias, so the primitive runs the plain u8s8 kernel).
  const std::vector<float>& weight_sums() const { return weight_sums_; }

 private:
  std::int64_t in_ = 0, out_ = 0;
  Precision precision_ = Precision::F32;
  bool bf16_emulated_ = false;
  bool per_token_scales_ = false;
  bool raw_sums_ = false;
  bool on_amx_ = false;
  dnnl::memory::desc weights_desc_;
  dnnl::memory weights_;
  std::vector<float> bias_;
  dnnl::memory bias_mem_;
  std::vector<float> weight_scales_;  // int8: per output channel
  std::vector<float> weight_sums_;    // int8: per output channel
};

// True when oneDNN has a bf16 matmul on this CPU.
bool onednn_has_bf16_matmul(const dnnl::engine& engine);
// True when oneDNN runs an int8 GEMM's raw sums on AMX here (a MiniLM-sized probe; each layer
// checks its own shape, OnednnLinear::raw_sums): what `rerank bench` reports.
bool onednn_int8_on_amx(const dnnl::engine& engine);

// Rows of a feed-forward block computed together. Measured on the MiniLM shape (2-core Zen 4,
// bench/linear_bench ffn_block, 8192 rows): 1024 made int8 11% and bf16 3% faster than the
// whole batch at once (its 50 MiB intermediate left the cache between the passes); oneDNN's
// u8s8 GEMM ran 512 rows at half the rate of 1024, and 1536 or 2048 rows measured no faster.
inline constexpr std::int64_t kFeedForwardBlockRows = 1024;  // kSumsBlockRows on AMX: run_feed_forward

// Rows of a raw-sums GEMM on AMX (OnednnLinear::on_amx) dequantised together: 512 x 1536 s32
// sums (MiniLM's FFN-up) are 3 MiB, within the last-level cache until the dequantising pass.
// Elsewhere (per-token layers on VNNI) one GEMM takes every row: gemm:jit ran 512 rows at half
// the rate of 1024 (kFeedForwardBlockRows).
inline constexpr std::int64_t kSumsBlockRows = 512;

// One session's primitives and scratch for linear layers.
class LinearRunner {
 public:
  explicit LinearRunner(const dnnl::engine& engine);
  void run(const Matrix& x, const OnednnLinear& w, Matrix& y, const LinearEpilogue& epilogue, Arena& arena);
  // hidden += down(act(up(x))) (Session::feed_forward), kFeedForwardBlockRows rows at a time.
  // Where down's input is converted for its GEMM (int8 with per-tensor scales: quantised, one
  // scale per block; bf16: rounded), act is applied in that pass, on up's output as it left
  // the GEMM; fp32: two run() calls.
  void run_feed_forward(const Matrix& x, const OnednnLinear& up, Activation act, const OnednnLinear& down,
                        Matrix& intermediate, Matrix& hidden, Arena& arena);

 private:
  // run_feed_forward on one block of rows.
  void feed_forward_block(const Matrix& x, const OnednnLinear& up, Activation act, const OnednnLinear& down,
                          Matrix& intermediate, Matrix& hidden, Arena& arena);
  // An int8 GEMM's input: act(x) as u8 with one scale and zero point for the whole matrix.
  struct Quantised {
    std::uint8_t* data = nullptr;  // rows x the GEMM's K, in the arena
    std::int64_t rows = 0;
    float scale = 1.0f;
    std::int32_t zero = 0;
  };
  // x's smallest and largest values; Error(Backend) where one is not finite.
  std::pair<float, float> value_range(const Matrix& x) const;
  // act(x) as u8 for act's values in [lo, hi] (u8_params' rule).
  Quantised quantise(const Matrix& x, float lo, float hi, Activation act, Arena& arena) const;
  // y = x W^T + b (+ y) on quantised x; y = act(x) W^T + b (+ y) for fp32 and bf16 weights
  // (act applied while x is converted or copied for the GEMM).
  void run_u8(const Quantised& x, const OnednnLinear& w, Matrix& y, bool accumulate, Arena& arena);
  void run_float(const Matrix& x, Activation act, const OnednnLinear& w, Matrix& y, bool accumulate, Arena& arena);
  // int8 with per-token activation scales: each row quantised with its own range, then run_sums.
  void run_per_token(const Matrix& x, const OnednnLinear& w, Matrix& y, const LinearEpilogue& epilogue, Arena& arena);
  // y = act(dequantised q W^T + b) (+ y) for a raw-sums layer; on AMX kSumsBlockRows rows at a
  // time, so each block's s32 sums are still in the cache when dequantize_sums reads them. Row r's
  // activation scale and zero point are row_scale[r] and row_zero[r], or [0] when !per_row.
  void run_sums(const std::uint8_t* q, std::int64_t rows, const float* row_scale, const float* row_zero, bool per_row,
                const OnednnLinear& w, Matrix& y, const LinearEpilogue& epilogue, Arena& arena);

  // M, K, N, precision, accumulate, raw int8 sums (s32 output)
  using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, int, int, int>;
  struct Prepared {
    dnnl::matmul matmul;
    dnnl::memory::desc scratchpad;  // lent from scratch_ at each call (user scratchpad mode)
  };
  // The primitives' scratchpad: needed only during a call, so one buffer serves them all.
  void* scratch(std::size_t bytes);
  Prepared& primitive(const Key& key, const OnednnLinear& w);
  // Runs it with the scratchpad lent and waits; oneDNN failures become Error(Backend).
  void execute(Prepared& prepared, std::unordered_map<int, dnnl::memory>& args);
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::map<Key, Prepared> cache_;
  std::unique_ptr<std::byte, decltype(&std::free)> scratch_{nullptr, &std::free};
  std::size_t scratch_bytes_ = 0;
};

// GFLOP/s (GOP/s for int8) of a large square GEMM at this precision with the current threads.
double measure_matmul_peak(const dnnl::engine& engine, Precision precision);

}  // namespace rerank::engine::cpu
