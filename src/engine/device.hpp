// The device-agnostic op layer the models are written against. A Device owns immutable
// weights (shared by every worker); a Session is one worker's scratch state (arena, cached
// GEMM primitives) and runs the ops. Models include only this header: the CPU backend
// (engine/cpu/, oneDNN + SIMD kernels) and a future CUDA backend implement it, so model code
// never sees dnnl.hpp or cuda_runtime.h.
//
// Tensors are row-major float matrices in device memory; token ids stay on the host in a
// PackedBatch and each backend moves them as it needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rerank::engine {

// Numeric precision of the encoder GEMMs (embeddings, norms, softmax and heads stay fp32).
enum class Precision { F32, BF16, Int8 };

// "fp32" | "bf16" | "int8" (also "float32", "bfloat16"); Error(InvalidArgument) otherwise.
Precision parse_precision(std::string_view name);
std::string_view precision_name(Precision p);

enum class Activation { None, GeluErf, GeluTanh, Relu, Tanh };

// How a matrix's elements are stored. Matrices are fp32 unless a session was asked for
// scratch that only reduced-precision GEMMs and attention read (Session::alloc_scratch):
// the CUDA backend keeps those bf16. The CPU backend always stores fp32.
enum class Storage : std::uint8_t { F32, BF16 };

// A row-major matrix view in device memory (not owning). `data` points at `storage`
// elements (cast it when BF16; only the backend that allocated it reads it).
struct Matrix {
  float* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  Storage storage = Storage::F32;
};

// Variable-length sequences packed back to back, without padding.
// seq_starts has one entry per sequence plus the total (cu_seqlens).
struct PackedBatch {
  std::vector<std::int32_t> input_ids;
  std::vector<std::int32_t> token_type_ids;  // same length as input_ids (zeros when unused)
  std::vector<std::int32_t> position_ids;    // same length as input_ids
  std::vector<std::int32_t> seq_starts;      // size = num_sequences() + 1
  std::size_t num_sequences() const { return seq_starts.empty() ? 0 : seq_starts.size() - 1; }
  std::size_t num_tokens() const { return input_ids.size(); }
};

// Immutable float data in device memory (embedding tables, norm parameters).
class DeviceBuffer {
 public:
  virtual ~DeviceBuffer() = default;
  virtual const float* data() const = 0;
  virtual std::size_t size() const = 0;
};

// y = x * W^T + b for a W of shape [out_features, in_features], stored however the backend
// and precision want (reordered fp32, bf16, int8 with per-channel scales).
class LinearWeights {
 public:
  virtual ~LinearWeights() = default;
  virtual std::int64_t in_features() const = 0;
  virtual std::int64_t out_features() const = 0;
};

// Post-processing fused into a linear op.
struct LinearEpilogue {
  Activation activation = Activation::None;
  bool accumulate = false;  // y += x W^T + b (residual connection) instead of y = ...
};

class Session;

struct DeviceOptions {
  std::string device = "cpu";  // "cpu"; "cuda[:N]" once a CUDA backend exists
  int threads = 0;             // 0: one per core
};

// Thread-safe: every const method may be called concurrently.
class Device {
 public:
  virtual ~Device() = default;
  // weight: [out_features x in_features] row-major (PyTorch's nn.Linear layout); bias: empty or [out].
  virtual std::unique_ptr<LinearWeights> make_linear(std::vector<float> weight, std::vector<float> bias,
                                                     std::int64_t out_features, std::int64_t in_features,
                                                     Precision precision) const = 0;
  virtual std::unique_ptr<DeviceBuffer> upload(std::vector<float> values) const = 0;
  virtual std::unique_ptr<Session> make_session() const = 0;
  // One line: backend, ISA, threads and how each precision runs ("bf16: native AVX-512 BF16").
  virtual std::string describe() const = 0;
  virtual int threads() const = 0;
  // Measured peak of this device's GEMM at `precision` (GFLOP/s, GOP/s for int8) with its
  // threads, on large square shapes; gemm_peak_method() says which library and shapes.
  virtual double measure_gemm_peak_gflops(Precision precision) const = 0;
  virtual std::string gemm_peak_method() const = 0;
  // Accelerator memory in use by this process (weights, sessions' arenas at their high-water
  // marks, library workspaces); nullopt on the CPU, where resident memory says it.
  virtual std::optional<std::size_t> accelerator_memory_in_use() const { return std::nullopt; }
};

// One worker's state. Not thread-safe: use one session per concurrent caller.
// Matrices from alloc() stay valid until the next begin().
class Session {
 public:
  virtual ~Session() = default;
  virtual void begin() = 0;  // releases every matrix of the previous forward pass
  virtual Matrix alloc(std::int64_t rows, std::int64_t cols) = 0;
  // Scratch that only linear layers of precision `reader` and attention read (a layer's
  // Q|K|V, attention context, FFN intermediate): the backend may store it at that precision
  // instead of fp32, halving its memory traffic. Default: alloc().
  virtual Matrix alloc_scratch(std::int64_t rows, std::int64_t cols, Precision reader) {
    (void)reader;
    return alloc(rows, cols);
  }

  // out[t] = word[input_ids[t]] + position[position_ids[t]] + token_type[token_type_ids[t]]
  // (token_type may be null). Ids were validated by the caller.
  virtual void embed(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
                     const DeviceBuffer* token_type, Matrix& out) = 0;
  virtual void linear(const Matrix& x, const LinearWeights& w, Matrix& y, const LinearEpilogue& epilogue = {}) = 0;
  // In place, per row.
  virtual void layer_norm(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer& beta, float eps) = 0;
  virtual void activation(Matrix& x, Activation act) = 0;
  // Multi-head self-attention over packed sequences: qkv is [tokens x 3*hidden] (Q | K | V,
  // heads contiguous inside each), out is [tokens x hidden]. Every token attends to every
  // token of its own sequence only (no padding, no mask).
  virtual void attention(const Matrix& qkv, std::span<const std::int32_t> seq_starts, std::int64_t num_heads,
                         Matrix& out) = 0;
  // Which kernel the last attention() ran, for tests and diagnostics: the CUDA backend says
  // "f32", "mma" or "wmma"; empty where a backend has one.
  virtual std::string_view last_attention_kernel() const { return {}; }
  // out[i] = x[rows[i]]
  virtual void gather_rows(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) = 0;
  virtual void to_host(const Matrix& x, float* dst) = 0;
};

// The device for options.device. Error(NotSupported) for devices this build lacks.
std::unique_ptr<Device> make_device(const DeviceOptions& options);

}  // namespace rerank::engine
