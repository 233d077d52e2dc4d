// One worker's state and the ops models are written against. An op (engine/ops/NAME.cpp)
// checks its operands once, naming itself and the shapes in Error(Internal) when they do not
// fit, and then calls its backend's primitive (the protected *_primitive methods), which may
// assume checked operands. A session keeps no state from one op to the next beyond the
// memory of the current pass: what an op computes depends only on its operands (their shapes
// and element types) and its arguments. How to add an op: docs/engine.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/attention_spec.hpp"
#include "engine/types.hpp"

namespace rerank::engine {

// Not thread-safe: use one session per concurrent caller. Matrices from the alloc methods
// stay valid until the next begin().
class Session {
 public:
  virtual ~Session() = default;

  // ---- Memory of one forward pass ----
  virtual void begin() = 0;  // releases every matrix of the previous forward pass
  virtual Matrix alloc(std::int64_t rows, std::int64_t cols) = 0;
  // Scratch that only linear layers of precision `reader` and attention read (a layer's
  // Q|K|V, attention context, FFN intermediate): the backend may store it at that precision
  // instead of fp32, halving its memory traffic. Default: alloc().
  virtual Matrix alloc_scratch(std::int64_t rows, std::int64_t cols, Precision reader) {
    (void)reader;
    return alloc(rows, cols);
  }
  // A matrix to hold the reduced-precision copy of an fp32 activation that GEMMs of
  // precision `reader` read, when this backend's GEMMs want one (CUDA bf16: a bf16 copy,
  // written by the op that makes the activation, e.g. layer_norm's `copy`); nullopt when
  // they read fp32 matrices directly (the CPU, where oneDNN converts inside the GEMM).
  virtual std::optional<Matrix> alloc_input_copy(std::int64_t rows, std::int64_t cols, Precision reader) {
    (void)rows, (void)cols, (void)reader;
    return std::nullopt;
  }

  // ---- Ops ----
  // out[t] = word[input_ids[t]] + position[position_ids[t]] + token_type[token_type_ids[t]]
  // (position and token_type may be null). out is [tokens x width], fp32; every id must be a
  // row of its table.
  void embed(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
             const DeviceBuffer* token_type, Matrix& out);
  // y = x W^T + b (+ y), then the epilogue's activation. x and y are fp32; with bf16 weights
  // either may be bf16 (scratch or an input copy), except a residual sum (accumulate).
  void linear(const Matrix& x, const LinearWeights& w, Matrix& y, const LinearEpilogue& epilogue = {});
  // hidden += down(act(up(x))): a transformer layer's feed-forward block with its residual sum,
  // each product as linear() computes it. intermediate [rows x up's outputs] (alloc_scratch
  // for reader `down`'s precision) is the op's scratch: what it holds afterwards is
  // unspecified. One op rather than two linears so a backend can work block by block of rows
  // and apply act while converting the intermediate for the second GEMM: the CPU quantises
  // (int8) or rounds (bf16) act(up(x)) straight from up's output, 1024 rows at a time while
  // they are in the cache; int8 with the range act maps up's range to (cpu/activation_math.hpp,
  // within 1e-4 of the activated values' own), one scale per block of rows.
  void feed_forward(const Matrix& x, const LinearWeights& up, Activation act, const LinearWeights& down,
                    Matrix& intermediate, Matrix& hidden);
  // In place per row: (x - mean) / sqrt(var + eps) * gamma + beta, fp32; beta null: no bias
  // (ModernBERT's norm_bias false). With `copy` (from alloc_input_copy, x's shape) the result
  // is also written there in copy's element type.
  void layer_norm(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer* beta, float eps,
                  Matrix* copy = nullptr);
  // In place per row: x / sqrt(mean(x^2) + eps) * gamma, the mean of squares accumulated
  // beyond fp32 (T5's LayerNorm, Llama/Qwen's RMSNorm), fp32.
  void rms_norm(Matrix& x, const DeviceBuffer& gamma, float eps);
  // rms_norm of each attention head on its own (Qwen3's q_norm/k_norm, before rotary
  // positions): in place, for every row, each of the `heads` blocks of gamma.size() columns
  // starting at column `first_col` (the Q or K part of a fused Q|K|V) is normalised by its own
  // root mean square and scaled by the one gamma all heads share, fp32.
  void rms_norm_heads(Matrix& x, std::int64_t first_col, std::int64_t heads, const DeviceBuffer& gamma, float eps);
  // In place, element-wise.
  void activation(Matrix& x, Activation act);
  // A gated linear unit's activation (GeGLU, SwiGLU): x is [n x 2m] = [input | gate], out
  // [n x m] = act(input) * gate, fp32 (transformers' `input, gate = x.chunk(2)`).
  void gated_activation(const Matrix& x, Matrix& out, Activation act);
  // Mean pooling: out[s] = the mean of x's rows seq_starts[s] .. seq_starts[s + 1] - 1
  // (transformers' masked mean over a sequence's tokens), fp32.
  void mean_rows(const Matrix& x, std::span<const std::int32_t> seq_starts, Matrix& out);
  // Attention as `spec` states it (engine/attention_spec.hpp: heads and KV heads, causal,
  // windows, scale, soft-capping, relative bias, rotary positions) over the packed sequences
  // `in` names: self-attention on a fused Q|K|V, cross-attention, a cached prefix. out is
  // [Tq x heads * head_dim]. A backend that cannot run a spec says Error(NotSupported).
  void attention(const AttentionInputs& in, const AttentionSpec& spec, Matrix& out);
  // BERT's self-attention (AttentionSpec::bidirectional) on qkv [tokens x 3*hidden].
  void attention(const Matrix& qkv, std::span<const std::int32_t> seq_starts, std::int64_t num_heads, Matrix& out,
                 Precision precision = Precision::F32) {
    attention(AttentionInputs::self(qkv, seq_starts),
              AttentionSpec::bidirectional(num_heads, num_heads > 0 ? out.cols / num_heads : 0, precision), out);
  }
  // out = x in out's element type (same shape; bf16 rounds to nearest even).
  void convert(const Matrix& x, Matrix& out);
  // out[i] = x[rows[i]] (fp32).
  void gather_rows(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out);
  // Copies an fp32 matrix to host memory (rows * cols floats), waiting for the pass's work.
  void to_host(const Matrix& x, float* dst);

 protected:
  // ---- Primitives: one per op, operands checked by the op ----
  virtual void embed_primitive(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
                               const DeviceBuffer* token_type, Matrix& out) = 0;
  virtual void linear_primitive(const Matrix& x, const LinearWeights& w, Matrix& y,
                                const LinearEpilogue& epilogue) = 0;
  virtual void feed_forward_primitive(const Matrix& x, const LinearWeights& up, Activation act,
                                      const LinearWeights& down, Matrix& intermediate, Matrix& hidden) = 0;
  virtual void layer_norm_primitive(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer* beta, float eps,
                                    Matrix* copy) = 0;
  virtual void rms_norm_primitive(Matrix& x, const DeviceBuffer& gamma, float eps) = 0;
  virtual void rms_norm_heads_primitive(Matrix& x, std::int64_t first_col, std::int64_t heads,
                                        const DeviceBuffer& gamma, float eps) = 0;
  virtual void activation_primitive(Matrix& x, Activation act) = 0;
  virtual void gated_activation_primitive(const Matrix& x, Matrix& out, Activation act) = 0;
  virtual void mean_rows_primitive(const Matrix& x, std::span<const std::int32_t> seq_starts, Matrix& out) = 0;
  virtual void attention_primitive(const AttentionInputs& in, const AttentionSpec& spec, Matrix& out) = 0;
  virtual void convert_primitive(const Matrix& x, Matrix& out) = 0;
  virtual void gather_rows_primitive(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) = 0;
  virtual void to_host_primitive(const Matrix& x, float* dst) = 0;
};

}  // namespace rerank::engine
