// A bump allocator for the scratch matrices of one forward pass: allocations are 64-byte
// aligned, reset() releases them all at once, and the memory is kept for the next pass so
// steady-state batches allocate nothing. When a pass needs more than the current block,
// extra blocks are added and merged into one larger block at the next reset().
// A Scope gives back what was allocated inside it, so an op's temporaries (quantised
// activations, attention scratch) are reused by the next op instead of piling up per layer.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace rerank::engine {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // `bytes` rounded up to 64; never null for bytes > 0. Throws std::bad_alloc when out of memory.
  void* allocate(std::size_t bytes);
  void reset();
  std::size_t capacity() const;  // bytes held
  std::size_t used() const { return used_total_; }

  // Releases every allocation made during its lifetime (and no other) when it ends.
  class Scope {
   public:
    explicit Scope(Arena& arena);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Arena& arena_;
    std::size_t blocks_, used_in_last_, used_total_;
  };

 private:
  struct Block {
    std::unique_ptr<std::byte, void (*)(void*)> data{nullptr, nullptr};
    std::size_t size = 0;
    std::size_t used = 0;
  };
  static Block make_block(std::size_t bytes);
  std::vector<Block> blocks_;
  std::size_t used_total_ = 0;
  std::size_t peak_total_ = 0;
};

}  // namespace rerank::engine
