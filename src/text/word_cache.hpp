// A bounded, thread-safe cache from words to their tokenisation, as the reference's Cache:
// readers never wait (a busy lock is a miss), and once full it stops inserting.
#pragma once

#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rerank::text {

template <class Value>
class WordCache {
 public:
  explicit WordCache(std::size_t capacity) : capacity_(capacity) {}

  // Calls fn(value) under the read lock when `key` is cached; false on a miss.
  template <class Fn>
  bool visit(std::string_view key, Fn&& fn) const {
    std::shared_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    fn(it->second);
    return true;
  }

  void set(std::string_view key, const Value& value) const {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || map_.size() >= capacity_) return;
    map_.emplace(std::string(key), value);
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t capacity_;
  mutable std::shared_mutex mutex_;
  mutable std::unordered_map<std::string, Value, Hash, std::equal_to<>> map_;
};

}  // namespace rerank::text
