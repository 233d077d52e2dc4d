#include "engine/cuda/cuda_session.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/cuda/cuda_buffer.hpp"
#include "engine/cuda/cuda_check.hpp"
#include "engine/cuda/kernels.hpp"

namespace rerank::engine::cuda {

namespace {

void check_shape(bool ok, const char* op, const std::string& detail) {
  if (!ok)
    throw Error(ErrorCode::Internal, std::string("CUDA ") + op + ": inconsistent shapes (" + detail + ")");
}

std::string dims(const Matrix& m) { return std::to_string(m.rows) + "x" + std::to_string(m.cols); }

}  // namespace

CudaSession::CudaSession(int device) : device_(device) {
  const char* fp32 = std::getenv("RERANK_CUDA_FP32_ACTIVATIONS");
  bf16_scratch_ = !(fp32 && *fp32 && std::strcmp(fp32, "0") != 0);
  const char* kernel = std::getenv("RERANK_CUDA_ATTENTION");
  wmma_attention_ = kernel && std::strcmp(kernel, "wmma") == 0;
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
  shadow_of_ = nullptr;
  attn_starts_host_.clear();
  attn_starts_ = nullptr;
  attn_tiles_ = nullptr;
  attn_num_tiles_ = 0;
  last_linear_precision_ = Precision::F32;
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
  const bool bf16 = reader == Precision::BF16 && bf16_scratch_;
  return allocate(rows, cols, bf16 ? Storage::BF16 : Storage::F32);
}

void* CudaSession::shadow_buffer(std::size_t elements) {
  const std::size_t bytes = elements * 2;
  if (bf16_shadow_.size() < bytes) {
    // cudaFree waits for the queued GEMMs that may still read the old buffer.
    RERANK_CUDA_CHECK(cudaStreamSynchronize(stream_));
    bf16_shadow_ = Allocation();
    bf16_shadow_ = Allocation(MemoryKind::Device, bytes + bytes / 4);
  }
  return bf16_shadow_.get();
}

const void* CudaSession::bf16_input(const Matrix& x) {
  if (shadow_of_ == x.data && x.data) return bf16_shadow_.get();
  const std::int64_t n = x.rows * x.cols;
  void* dst = shadow_buffer(static_cast<std::size_t>(n));
  {
    OpScope scope(profile_, stream_, "to_bf16");
    launch_to_bf16(x.data, n, dst, stream_);
  }
  shadow_of_ = x.data;
  return dst;
}

const std::int32_t* CudaSession::upload_ints(std::span<const std::int32_t> values) {
  const std::size_t bytes = values.size() * sizeof(std::int32_t);
  void* host = staging_.allocate(bytes);
  if (bytes) std::memcpy(host, values.data(), bytes);
  void* dev = arena_.allocate(bytes);
  if (bytes) RERANK_CUDA_CHECK(cudaMemcpyAsync(dev, host, bytes, cudaMemcpyHostToDevice, stream_));
  return static_cast<const std::int32_t*>(dev);
}

void CudaSession::embed(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
                        const DeviceBuffer* token_type, Matrix& out) {
  activate();
  const auto tokens = static_cast<std::int64_t>(batch.num_tokens());
  check_shape(out.rows == tokens, "embed", "out " + dims(out) + ", tokens " + std::to_string(tokens));
  check_shape(!position || batch.position_ids.size() == batch.input_ids.size(), "embed", "position ids");
  check_shape(!token_type || batch.token_type_ids.size() == batch.input_ids.size(), "embed",
              "token type ids");
  check_shape(out.storage == Storage::F32, "embed", "the output must be fp32");
  wrote(out);
  if (tokens == 0) return;
  OpScope scope(profile_, stream_, "embed");
  const std::int32_t* ids = upload_ints(batch.input_ids);
  const std::int32_t* pos = position ? upload_ints(batch.position_ids) : nullptr;
  const std::int32_t* types = token_type ? upload_ints(batch.token_type_ids) : nullptr;
  launch_embed(ids, pos, types, tokens, as_cuda(word).data(), position ? as_cuda(*position).data() : nullptr,
               token_type ? as_cuda(*token_type).data() : nullptr, out.cols, out.data, stream_);
}

void CudaSession::linear(const Matrix& x, const LinearWeights& weights, Matrix& y,
                         const LinearEpilogue& epilogue) {
  activate();
  const CudaLinear& w = as_cuda(weights);
  check_shape(x.cols == w.in_features() && y.cols == w.out_features() && x.rows == y.rows, "linear",
              "x " + dims(x) + ", W " + std::to_string(w.out_features()) + "x" +
                  std::to_string(w.in_features()) + ", y " + dims(y));
  const bool bf16 = w.precision() == Precision::BF16;
  check_shape(bf16 || (x.storage == Storage::F32 && y.storage == Storage::F32), "linear",
              "fp32 weights take and give fp32 matrices");
  check_shape(!(y.storage == Storage::BF16 && epilogue.accumulate), "linear", "a residual sum must be fp32");
  if (x.rows == 0) return;
  const void* input = x.data;
  if (bf16) {
    bf16_readers_ = true;
    if (x.storage == Storage::F32) input = bf16_input(x);
  }
  wrote(y);
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
  last_linear_precision_ = w.precision();
  if (epilogue.activation != Activation::None) {
    OpScope scope(profile_, stream_, y_bf16 ? "activation bf16" : "activation");
    if (y_bf16) {
      launch_activation_bf16(y.data, y.rows * y.cols, epilogue.activation, stream_);
    } else {
      launch_bias_activation(y.data, y.rows, y.cols, nullptr, epilogue.activation, stream_);
    }
  }
}

void CudaSession::layer_norm(Matrix& x, const DeviceBuffer& gamma, const DeviceBuffer& beta, float eps) {
  activate();
  const CudaBuffer& g = as_cuda(gamma);
  const CudaBuffer& b = as_cuda(beta);
  check_shape(g.size() == static_cast<std::size_t>(x.cols) && b.size() == static_cast<std::size_t>(x.cols) &&
                  x.storage == Storage::F32,
              "layer_norm", "x " + dims(x) + ", gamma " + std::to_string(g.size()));
  wrote(x);
  // In a bf16 model the normalised rows are the next GEMM's input: write their bf16 copy now.
  void* copy =
      bf16_readers_ && x.rows > 0 ? shadow_buffer(static_cast<std::size_t>(x.rows * x.cols)) : nullptr;
  OpScope scope(profile_, stream_, "layer_norm");
  launch_layer_norm(x.data, x.rows, x.cols, g.data(), b.data(), eps, copy, stream_);
  if (copy) shadow_of_ = x.data;
}

void CudaSession::activation(Matrix& x, Activation act) {
  activate();
  wrote(x);
  OpScope scope(profile_, stream_, "activation");
  if (x.storage == Storage::BF16) {
    launch_activation_bf16(x.data, x.rows * x.cols, act, stream_);
  } else {
    launch_bias_activation(x.data, x.rows, x.cols, nullptr, act, stream_);
  }
}

void CudaSession::attention(const Matrix& qkv, std::span<const std::int32_t> seq_starts,
                            std::int64_t num_heads, Matrix& out) {
  activate();
  check_shape(
      num_heads > 0 && out.cols % num_heads == 0 && qkv.cols == 3 * out.cols && qkv.rows == out.rows &&
          seq_starts.size() >= 2 && seq_starts.front() == 0 && seq_starts.back() == out.rows,
      "attention", "qkv " + dims(qkv) + ", out " + dims(out) + ", heads " + std::to_string(num_heads));
  for (std::size_t i = 1; i < seq_starts.size(); ++i) {
    check_shape(seq_starts[i] >= seq_starts[i - 1], "attention", "seq_starts must not decrease");
  }
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
  wrote(out);
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
  if (last_linear_precision_ == Precision::BF16 || a.qkv_bf16 || a.out_bf16) {
    if (!wmma_attention_ && launch_attention_mma(a, stream_)) {
      last_attention_kernel_ = "mma";
    } else {
      launch_attention_bf16(a, stream_);
      last_attention_kernel_ = "wmma";
    }
  } else {
    launch_attention_f32(a, stream_);
    last_attention_kernel_ = "f32";
  }
}

void CudaSession::gather_rows(const Matrix& x, std::span<const std::int32_t> rows, Matrix& out) {
  activate();
  check_shape(out.cols == x.cols && out.rows == static_cast<std::int64_t>(rows.size()) &&
                  x.storage == Storage::F32 && out.storage == Storage::F32,
              "gather_rows", "x " + dims(x) + ", out " + dims(out) + ", rows " + std::to_string(rows.size()));
  wrote(out);
  for (const std::int32_t r : rows)
    check_shape(r >= 0 && r < x.rows, "gather_rows", "row index out of range");
  if (rows.empty()) return;
  const std::int32_t* idx = upload_ints(rows);
  launch_gather_rows(x.data, x.cols, idx, static_cast<std::int64_t>(rows.size()), out.data, stream_);
}

void CudaSession::to_host(const Matrix& x, float* dst) {
  activate();
  check_shape(x.storage == Storage::F32, "to_host", "the matrix must be fp32");
  const std::size_t bytes = static_cast<std::size_t>(x.rows * x.cols) * sizeof(float);
  if (bytes == 0) return;
  void* host = staging_.allocate(bytes);
  RERANK_CUDA_CHECK(cudaMemcpyAsync(host, x.data, bytes, cudaMemcpyDeviceToHost, stream_));
  // Also surfaces any asynchronous error of the pass (a faulting kernel) as Error(Backend).
  RERANK_CUDA_CHECK(cudaStreamSynchronize(stream_));
  if (profile_.enabled()) profile_.collect();
  std::memcpy(dst, host, bytes);
}

std::size_t CudaSession::device_bytes() const { return arena_.capacity() + bf16_shadow_.size(); }

}  // namespace rerank::engine::cuda
