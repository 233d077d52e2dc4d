#include "engine/arena.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace rerank::engine {

namespace {
constexpr std::size_t kAlign = 64;
std::size_t round_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
}  // namespace

Arena::Block Arena::make_block(std::size_t bytes) {
  Block b;
  void* p = std::aligned_alloc(kAlign, round_up(bytes));
  if (!p) throw std::bad_alloc();
  b.data = std::unique_ptr<std::byte, void (*)(void*)>(static_cast<std::byte*>(p), std::free);
  b.size = round_up(bytes);
  return b;
}

void* Arena::allocate(std::size_t bytes) {
  bytes = round_up(bytes == 0 ? 1 : bytes);
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < bytes) {
    const std::size_t last = blocks_.empty() ? 0 : blocks_.back().size;
    blocks_.push_back(make_block(std::max(bytes, std::max<std::size_t>(last, std::size_t{1} << 20))));
  }
  Block& b = blocks_.back();
  void* p = b.data.get() + b.used;
  b.used += bytes;
  used_total_ += bytes;
  if (used_total_ > peak_total_) peak_total_ = used_total_;
  return p;
}

void Arena::reset() {
  const std::size_t held = blocks_.size() == 1 ? blocks_.front().size : 0;
  if (blocks_.size() > 1 || held < peak_total_) {
    // The last pass needed more than one block held (possibly in blocks a Scope has freed
    // since): replace them by one that holds the peak.
    const std::size_t want = peak_total_;
    blocks_.clear();
    blocks_.push_back(make_block(want));
  }
  for (Block& b : blocks_) b.used = 0;
  used_total_ = 0;
}

Arena::Scope::Scope(Arena& arena)
    : arena_(arena),
      blocks_(arena.blocks_.size()),
      used_in_last_(arena.blocks_.empty() ? 0 : arena.blocks_.back().used),
      used_total_(arena.used_total_) {}

Arena::Scope::~Scope() {
  // Blocks added inside the scope are freed now; peak_total_ still sizes the merged block at
  // the next reset(), so later passes fit in one block again.
  while (arena_.blocks_.size() > blocks_) arena_.blocks_.pop_back();
  if (!arena_.blocks_.empty()) arena_.blocks_.back().used = used_in_last_;
  arena_.used_total_ = used_total_;
}

std::size_t Arena::capacity() const {
  std::size_t n = 0;
  for (const Block& b : blocks_) n += b.size;
  return n;
}

}  // namespace rerank::engine
