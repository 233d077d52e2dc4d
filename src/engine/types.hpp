// The value types every op and backend shares: precisions, activations, matrices (typed
// views of device memory), packed batches and the immutable weight objects a Device makes.
// No behaviour lives here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rerank::engine {

// Numeric precision of the encoder GEMMs (embeddings, norms, softmax and heads stay fp32).
enum class Precision { F32, BF16, Int8 };

// "fp32" | "bf16" | "int8" (also "float32", "bfloat16"); Error(InvalidArgument) otherwise.
Precision parse_precision(std::string_view name);
std::string_view precision_name(Precision p);

// Silu is x * sigmoid(x) (transformers' "silu"/"swish": Llama and Qwen's SwiGLU).
enum class Activation { None, GeluErf, GeluTanh, Relu, Tanh, Silu };

// How an int8 linear layer quantises its activations at run time: one scale and zero point
// for the whole matrix (ONNX Runtime's dynamic quantisation, the BERT family), or one per
// token (row), which keeps tokens of small range from losing their resolution to another
// token's outliers (ModernBERT's pre-norm stream and GLU outputs need it).
enum class ActivationScales : std::uint8_t { PerTensor, PerToken };

// How a matrix's elements are stored. Matrices are fp32 unless a session was asked for
// scratch that only reduced-precision GEMMs and attention read (Session::alloc_scratch) or
// for the reduced-precision copy a GEMM reads (Session::alloc_input_copy): the CUDA backend
// keeps those bf16. The CPU backend always stores fp32.
enum class Storage : std::uint8_t { F32, BF16 };

std::string_view storage_name(Storage s);

// A row-major, contiguous matrix view in device memory (not owning): `data` points at
// rows * cols elements of type `storage` (cast it when BF16; only the backend that allocated
// it reads it). The element type travels with the view, so an op reads its operands'
// precision from them and never from what an earlier op did.
struct Matrix {
  float* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  Storage storage = Storage::F32;
};

// Rows [first, first + count) of m: a view of the same memory (matrices are row-major and
// contiguous), e.g. where a KV cache's next rows go. Error(Internal) when they are not rows of m.
Matrix row_range(const Matrix& m, std::int64_t first, std::int64_t count);

// "ROWSxCOLS" (plus " bf16" when stored so), for the errors that name an op's operands.
std::string describe(const Matrix& m);

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
  virtual Precision precision() const = 0;
};

// Post-processing fused into a linear op.
struct LinearEpilogue {
  Activation activation = Activation::None;
  bool accumulate = false;  // y += x W^T + b (residual connection) instead of y = ...
};

}  // namespace rerank::engine
