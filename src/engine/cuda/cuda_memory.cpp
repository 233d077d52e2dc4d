#include "engine/cuda/cuda_memory.hpp"

#include <algorithm>

#include "engine/cuda/cuda_check.hpp"

namespace rerank::engine::cuda {

namespace {
constexpr std::size_t kAlign = 256;
std::size_t round_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
}  // namespace

Allocation::Allocation(MemoryKind kind, std::size_t bytes) : kind_(kind), bytes_(bytes) {
  if (bytes == 0) return;
  if (kind == MemoryKind::Device) {
    RERANK_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
  } else {
    RERANK_CUDA_CHECK(cudaMallocHost(&ptr_, bytes));
  }
}

Allocation::~Allocation() { release(); }

Allocation::Allocation(Allocation&& o) noexcept : kind_(o.kind_), ptr_(o.ptr_), bytes_(o.bytes_) {
  o.ptr_ = nullptr;
  o.bytes_ = 0;
}

Allocation& Allocation::operator=(Allocation&& o) noexcept {
  if (this != &o) {
    release();
    kind_ = o.kind_;
    ptr_ = o.ptr_;
    bytes_ = o.bytes_;
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

void Allocation::release() noexcept {
  if (!ptr_) return;
  if (kind_ == MemoryKind::Device) {
    cudaFree(ptr_);
  } else {
    cudaFreeHost(ptr_);
  }
  ptr_ = nullptr;
  bytes_ = 0;
}

void* CudaArena::allocate(std::size_t bytes) {
  bytes = round_up(bytes == 0 ? 1 : bytes);
  if (blocks_.empty() || blocks_.back().memory.size() - blocks_.back().used < bytes) {
    const std::size_t last = blocks_.empty() ? 0 : blocks_.back().memory.size();
    Block b;
    b.memory = Allocation(kind_, std::max(bytes, std::max<std::size_t>(last, std::size_t{4} << 20)));
    blocks_.push_back(std::move(b));
  }
  Block& b = blocks_.back();
  void* p = static_cast<char*>(b.memory.get()) + b.used;
  b.used += bytes;
  used_ += bytes;
  peak_ = std::max(peak_, used_);
  return p;
}

void CudaArena::reset() {
  if (blocks_.size() > 1) {
    blocks_.clear();  // frees before allocating the merged block: the peak may need all of it
    Block b;
    b.memory = Allocation(kind_, round_up(peak_));
    blocks_.push_back(std::move(b));
  }
  for (Block& b : blocks_) b.used = 0;
  used_ = 0;
}

std::size_t CudaArena::capacity() const {
  std::size_t n = 0;
  for (const Block& b : blocks_) n += b.memory.size();
  return n;
}

}  // namespace rerank::engine::cuda
