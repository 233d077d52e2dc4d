// A flat open-addressing map from strings to ids, looked up by string_view without
// allocating (the hot lookup of every model).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rerank::text {

inline std::uint64_t hash_bytes(const char* p, std::size_t n) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ (v * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  std::uint64_t v = 0;
  std::memcpy(&v, p, n);
  h = (h ^ (v * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
  h ^= h >> 32;
  return h;
}

class StringIdMap {
 public:
  // Inserts or overwrites (the last value for a key wins, as a Rust HashMap insert).
  void set(std::string_view key, std::int32_t id) {
    if ((keys_.size() + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash_bytes(key.data(), key.size()) & mask;; i = (i + 1) & mask) {
      if (slots_[i] < 0) {
        slots_[i] = static_cast<std::int32_t>(keys_.size());
        keys_.emplace_back(key);
        values_.push_back(id);
        return;
      }
      if (keys_[static_cast<std::size_t>(slots_[i])] == key) {
        values_[static_cast<std::size_t>(slots_[i])] = id;
        return;
      }
    }
  }

  std::optional<std::int32_t> get(std::string_view key) const {
    if (slots_.empty()) return std::nullopt;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash_bytes(key.data(), key.size()) & mask;; i = (i + 1) & mask) {
      const std::int32_t s = slots_[i];
      if (s < 0) return std::nullopt;
      if (keys_[static_cast<std::size_t>(s)] == key) return values_[static_cast<std::size_t>(s)];
    }
  }

  std::size_t size() const { return keys_.size(); }
  const std::vector<std::string>& keys() const { return keys_; }
  const std::vector<std::int32_t>& values() const { return values_; }

 private:
  void grow() {
    std::vector<std::int32_t> slots(slots_.empty() ? 64 : slots_.size() * 2, -1);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t k = 0; k < keys_.size(); ++k) {
      std::size_t i = hash_bytes(keys_[k].data(), keys_[k].size()) & mask;
      while (slots[i] >= 0) i = (i + 1) & mask;
      slots[i] = static_cast<std::int32_t>(k);
    }
    slots_.swap(slots);
  }

  std::vector<std::string> keys_;
  std::vector<std::int32_t> values_;
  std::vector<std::int32_t> slots_;
};

}  // namespace rerank::text
