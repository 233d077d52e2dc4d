// Owning GPU and pinned-host allocations, and the bump arena a session uses for the
// matrices of one forward pass (device memory) and for its staging copies (pinned host
// memory, so cudaMemcpyAsync really is asynchronous and overlaps other work).
#pragma once

#include <cstddef>
#include <vector>

namespace rerank::engine::cuda {

enum class MemoryKind { Device, PinnedHost };

// One allocation; freed in the destructor (errors while freeing are ignored: a destructor
// must not throw, and a lost device has already reported its error elsewhere).
class Allocation {
 public:
  Allocation() = default;
  Allocation(MemoryKind kind, std::size_t bytes);  // Error(Backend) when out of memory
  ~Allocation();
  Allocation(Allocation&& o) noexcept;
  Allocation& operator=(Allocation&& o) noexcept;
  Allocation(const Allocation&) = delete;
  Allocation& operator=(const Allocation&) = delete;

  void* get() const { return ptr_; }
  std::size_t size() const { return bytes_; }

 private:
  void release() noexcept;
  MemoryKind kind_ = MemoryKind::Device;
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// The host Arena's policy (engine/arena.hpp) over CUDA memory: 256-byte aligned pieces (what
// cuBLASLt's fastest kernels assume), reset() releases them all; when a pass outgrew the
// first block, reset() replaces the blocks by one that holds the peak. The caller must make
// sure no queued GPU work still uses the memory when it calls reset().
class CudaArena {
 public:
  explicit CudaArena(MemoryKind kind) : kind_(kind) {}
  void* allocate(std::size_t bytes);
  void reset();
  std::size_t capacity() const;
  std::size_t peak() const { return peak_; }

 private:
  struct Block {
    Allocation memory;
    std::size_t used = 0;
  };
  MemoryKind kind_;
  std::vector<Block> blocks_;
  std::size_t used_ = 0;
  std::size_t peak_ = 0;
};

}  // namespace rerank::engine::cuda
