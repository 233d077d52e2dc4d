#include "engine/cuda/cuda_session.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/cuda/cuda_buffer.hpp"
#include "engine/cuda/cuda_check.hpp"
#include "engine/cuda/kernels.hpp"
#include "engine/cuda_attention_support.hpp"

namespace rerank::engine::cuda {

CudaSession::CudaSession(int device, const DeviceOptions& options) : device_(device), options_(options) {
  activate();
  // Non-blocking: never serialised with the legacy default stream other code may use.
  RERANK_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
}

CudaSession::~CudaSession() {
  cudaSetDevice(device_);
  if (stream_) {
    cudaStreamSynchronize(stream_);
    if (profile_.enabled()) {
      profile_.collect();
      std::fputs(profile_.report().c_str(), stderr);
    }
    cudaStreamDestroy(stream_);
  }
}

void CudaSession::activate() const { RERANK_CUDA_CHECK(cudaSetDevice(device_)); }

void CudaSession::begin() {
  activate();
  // The previous pass's work must be finished before its memory is handed out again.
  RERANK_CUDA_CHECK(cudaStreamSynchronize(stream_));
  if (profile_.enabled()) profile_.collect();
  arena_.reset();
  staging_.reset();
  attn_starts_host_.clear();
  attn_starts_ = nullptr;
  attn_tiles_ = nullptr;
  attn_num_tiles_ = 0;
}

Matrix CudaSession::allocate(std::int64_t rows, std::int64_t cols, Storage storage) {
  if (rows < 0 || cols < 0) throw Error(ErrorCode::Internal, "negative matrix size");
  activate();
  const std::size_t element = storage == Storage::BF16 ? 2 : sizeof(float);
  Matrix m;
  m.rows = rows;
  m.cols = cols;
  m.storage = storage;
  m.data = static_cast<float*>(arena_.allocate(static_cast<std::size_t>(rows * cols) * element));
  return m;
}

Matrix CudaSession::alloc(std::int64_t rows, std::int64_t cols) { return allocate(rows, cols, Storage::F32); }

Matrix CudaSession::alloc_scratch(std::int64_t rows, std::int64_t cols, Precision reader) {
  const bool bf16 = reader == Precision::BF16 && options_.cuda_bf16_scratch;
  return allocate(rows, cols, bf16 ? Storage::BF16 : Storage::F32);
}

std::optional<Matrix> CudaSession::alloc_input_copy(std::int64_t rows, std::int64_t cols, Precision reader) {
  if (reader != Precision::BF16) return std::nullopt;
  return allocate(rows, cols, Storage::BF16);
}

const void* CudaSession::bf16_input(const Matrix& x) {
  if (x.storage == Storage::BF16) return x.data;
  const std::int64_t n = x.rows * x.cols;
  const auto bytes = static_cast<std::size_t>(n) * 2;
  if (conversion_.size() < bytes) {
    // cudaFree waits for the queued GEMMs that may still read the old buffer.
    RERANK_CUDA_CHECK(cudaStreamSynchronize(stream_));
    conversion_ = Allocation();
    conversion_ = Allocation(MemoryKind::Device, bytes + bytes / 4);
  }
  OpScope scope(profile_, stream_, "to_bf16");
  launch_to_bf16(x.data, n, conversion_.get(), stream_);
  return conversion_.get();
}

const std::int32_t* CudaSession::upload_ints(std::span<const std::int32_t> values) {
  const std::size_t bytes = values.size() * sizeof(std::int32_t);
  void* host = staging_.allocate(bytes);
  if (bytes) std::memcpy(host, values.data(), bytes);
  void* dev = arena_.allocate(bytes);
  if (bytes) RERANK_CUDA_CHECK(cudaMemcpyAsync(dev, host, bytes, cudaMemcpyHostToDevice, stream_));
  return static_cast<const std::int32_t*>(dev);
}

void CudaSession::embed_primitive(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
                                  const DeviceBuffer* token_type, Matrix& out) {
  activate();
  OpScope scope(profile_, stream_, "embed");
  const std::int32_t* ids = upload_ints(batch.input_ids);
  const std::int32_t* pos = position ? upload_ints(batch.position_ids) : nullptr;
  const std::int32_t* types = token_type ? upload_ints(batch.token_type_ids) : nullptr;
  launch_embed(ids, pos, types, out.rows, as_cuda(word).data(), position ? as_cuda(*position).data() : nullptr,
               token_type ? as_cuda(*token_type).data() : nullptr, out.cols, out.data, stream_);
}

void CudaSession::linear_primitive(const Matrix& x, const LinearWeights& weights, Matrix& y,
                                   const LinearEpilogue& epilogue) {
  activate();
  const CudaLinear& w = as_cuda(weights);
  // The op has checked that bf16 operands come with bf16 weights; a bf16 GEMM reads bf16.
  const bool bf16 = w.precision() == Precision::BF16;
  const void* input = bf16 ? bf16_input(x) : x.data;
  const bool y_bf16 = y.storage == Storage::BF16;
  {
    // Bias (and the residual, through beta = 1) are fused into the GEMM; the activation runs
    // after it, on y + bias (+ old y), as the CPU backend's post-ops do.
    // The label names the GEMM's shape; it is built only when profiling.
    OpScope scope(profile_, stream_,
                  !profile_.enabled()
                      ? std::string()
                      : "gemm " + std::to_string(w.in_features()) + "->" + std::to_string(w.out_features()) +
                            (y_bf16 ? " bf16 out" : (bf16 ? " fp32 out" : " fp32")));
    gemm_.run(input, w, y.data, y_bf16, x.rows, epilogue.accumulate, stream_);
  }
  if (epilogue.activation != Activation::None) activation_primitive(y, epilogue.activation);
}

// The two GEMMs as linear() runs them (the activation a kernel after the first), the
// intermediate in the scratch's element type (bf16 for bf16 models).
void CudaSession::feed_forward_primitive(const Matrix& x, const LinearWeights& up, Activation act,
                                         const LinearWeights& down, Matrix& intermediate, Matrix& hidden) {
  linear_primitive(x, up, intermediate, {act, false});
  linear_primitive(intermediate, down, hidden, {Activation::None, true});
}

void CudaSession::layer_norm_primitive(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer* beta, float eps,
                                       Matrix* copy) {
  activate();
  const float* bias = beta ? as_cuda(*beta).data() : nullptr;
  if (!bias) {
    // No bias: add zeros (exact), from the pass's arena.
    const auto bytes = static_cast<std::size_t>(x.cols) * sizeof(float);
    void* z = arena_.allocate(bytes);
    RERANK_CUDA_CHECK(cudaMemsetAsync(z, 0, bytes, stream_));
    bias = static_cast<const float*>(z);
  }
  // The kernel writes the bf16 copy (the next bf16 GEMM's input) in the same pass; an fp32
  // copy is a plain conversion afterwards.
  const bool bf16_copy = copy && copy->storage == Storage::BF16;
  {
    OpScope scope(profile_, stream_, "layer_norm");
    launch_layer_norm(x.data, x.rows, x.cols, as_cuda(gamma).data(), bias, eps,
                      bf16_copy ? copy->data : nullptr, stream_);
  }
  if (copy && !bf16_copy) convert_primitive(x, *copy);
}

void CudaSession::activation_primitive(Matrix& x, Activation act) {
  activate();
  OpScope scope(profile_, stream_, x.storage == Storage::BF16 ? "activation bf16" : "activation");
  if (x.storage == Storage::BF16) {
    launch_activation_bf16(x.data, x.rows * x.cols, act, stream_);
  } else {
    launch_bias_activation(x.data, x.rows, x.cols, nullptr, act, stream_);
  }
}

void CudaSession::rms_norm_primitive(Matrix&, const DeviceBuffer&, float) {
  throw Error(ErrorCode::NotSupported, "CUDA: RMS norm is not implemented yet; use --device cpu");
}

void CudaSession::rms_norm_heads_primitive(Matrix&, std::int64_t, std::int64_t, const DeviceBuffer&, float) {
  throw Error(ErrorCode::NotSupported, "CUDA: per-head RMS norm is not implemented yet; use --device cpu");
}

void CudaSession::gated_activation_primitive(const Matrix&, Matrix&, Activation) {
  throw Error(ErrorCode::NotSupported, "CUDA: gated activations (GeGLU, SwiGLU) are not implemented yet; use --device cpu");
}

void CudaSession::mean_rows_primitive(const Matrix&, std::span<const std::int32_t>, Matrix&) {
  throw Error(ErrorCode::NotSupported, "CUDA: mean pooling is not implemented yet; use --device cpu");
}

void CudaSession::attention_primitive(const AttentionInputs& in, const AttentionSpec& spec, Matrix& out) {
  activate();
  if (const std::optional<std::string> why = cuda_attention_unsupported(in, spec)) {
    throw Error(ErrorCode::NotSupported, "CUDA attention: " + *why + " (runs on --device cpu)");
  }
  const Matrix& qkv = *in.qkv;
  const std::span<const std::int32_t> seq_starts = in.seq_starts;
  const std::int64_t num_heads = spec.heads;
  const AttentionKernel kernel =
      select_attention_kernel(spec.precision == Precision::BF16, spec.head_dim, options_.cuda_attention);
  // Every layer of a pass passes the same sequences: upload them and the tile list once.
  if (!attn_starts_ ||
      !std::equal(seq_starts.begin(), seq_starts.end(), attn_starts_host_.begin(), attn_starts_host_.end())) {
    attn_starts_host_.assign(seq_starts.begin(), seq_starts.end());
    const std::vector<AttentionTile> tiles = make_attention_tiles(seq_starts);
    attn_starts_ = upload_ints(seq_starts);
    static_assert(sizeof(AttentionTile) == 2 * sizeof(std::int32_t));
    const auto* flat = reinterpret_cast<const std::int32_t*>(tiles.data());
    attn_tiles_ = reinterpret_cast<const AttentionTile*>(upload_ints({flat, tiles.size() * 2}));
    attn_num_tiles_ = static_cast<std::int32_t>(tiles.size());
  }
  AttentionArgs a;
  a.qkv = qkv.data;
  a.out = out.data;
  a.qkv_bf16 = qkv.storage == Storage::BF16;
  a.out_bf16 = out.storage == Storage::BF16;
  a.seq_starts = attn_starts_;
  a.tiles = attn_tiles_;
  a.num_tiles = attn_num_tiles_;
  a.hidden = static_cast<std::int32_t>(out.cols);
  a.num_heads = static_cast<std::int32_t>(num_heads);
  OpScope scope(profile_, stream_, "attention");
  launch_attention(kernel, a, stream_);
}

void CudaSession::convert_primitive(const Matrix& x, Matrix& out) {
  activate();
  if (x.storage == Storage::F32 && out.storage == Storage::BF16) {
    OpScope scope(profile_, stream_, "to_bf16");
    launch_to_bf16(x.data, x.rows * x.cols, out.data, stream_);
  } else if (x.storage == out.storage) {
    const std::size_t element = x.storage == Storage::BF16 ? 2 : sizeof(float);
    if (out.data != x.data) {
      RERANK_CUDA_CHECK(cudaMemcpyAsync(out.data, x.data, static_cast<std::size_t>(x.rows * x.cols) * element,
                                        cudaMemcpyDeviceToDevice, stream_));
    }
  } else {
    throw Error(ErrorCode::Internal, "convert: bf16 to fp32 is not a CUDA primitive");
  }
}

void CudaSession::gather_rows_primitive(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) {
  activate();
  const std::int32_t* idx = upload_ints(rows);
  launch_gather_rows(x.data, x.cols, idx, static_cast<std::int64_t>(rows.size()), out.data, stream_);
}

void CudaSession::to_host_primitive(const Matrix& x, float* dst) {
  activate();
  const std::size_t bytes = static_cast<std::size_t>(x.rows * x.cols) * sizeof(float);
  void* host = staging_.allocate(bytes);
  RERANK_CUDA_CHECK(cudaMemcpyAsync(host, x.data, bytes, cudaMemcpyDeviceToHost, stream_));
  // Also surfaces any asynchronous error of the pass (a faulting kernel) as Error(Backend).
  RERANK_CUDA_CHECK(cudaStreamSynchronize(stream_));
  if (profile_.enabled()) profile_.collect();
  std::memcpy(dst, host, bytes);
}

std::size_t CudaSession::device_bytes() const { return arena_.capacity() + conversion_.size(); }

}  // namespace rerank::engine::cuda
