// BPE: characters (or <0xXX> byte fallback / unk) merged pair by pair in merge-rank order,
// lowest rank first and leftmost on ties, as the reference's Word::merge_all; words cached.
#include <nlohmann/json.hpp>

#include <queue>

#include "rerank/error.hpp"
#include "text/json_fields.hpp"
#include "text/models.hpp"
#include "text/string_map.hpp"
#include "text/unicode.hpp"
#include "text/word_cache.hpp"

namespace rerank::text {
namespace {

// Open-addressing map from a pair of ids to (rank, merged id).
class PairMap {
 public:
  struct Value {
    std::uint32_t rank;
    std::int32_t id;
  };
  void set(std::int32_t a, std::int32_t b, Value v) {
    if ((size_ + 1) * 2 > keys_.size()) grow();
    const std::uint64_t k = key(a, b);
    const std::size_t mask = keys_.size() - 1;
    for (std::size_t i = mix(k) & mask;; i = (i + 1) & mask) {
      if (keys_[i] == kEmpty) {
        keys_[i] = k;
        values_[i] = v;
        ++size_;
        return;
      }
      if (keys_[i] == k) {
        values_[i] = v;
        return;
      }
    }
  }
  const Value* get(std::int32_t a, std::int32_t b) const {
    if (keys_.empty()) return nullptr;
    const std::uint64_t k = key(a, b);
    const std::size_t mask = keys_.size() - 1;
    for (std::size_t i = mix(k) & mask;; i = (i + 1) & mask) {
      if (keys_[i] == k) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr std::uint64_t kEmpty = ~0ULL;
  static std::uint64_t key(std::int32_t a, std::int32_t b) {
    return (std::uint64_t(std::uint32_t(a)) << 32) | std::uint32_t(b);
  }
  static std::size_t mix(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<std::size_t>(k);
  }
  void grow() {
    std::vector<std::uint64_t> keys(keys_.empty() ? 1024 : keys_.size() * 2, kEmpty);
    std::vector<Value> values(keys.size());
    const std::size_t mask = keys.size() - 1;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == kEmpty) continue;
      std::size_t p = mix(keys_[i]) & mask;
      while (keys[p] != kEmpty) p = (p + 1) & mask;
      keys[p] = keys_[i];
      values[p] = values_[i];
    }
    keys_.swap(keys);
    values_.swap(values);
  }
  std::vector<std::uint64_t> keys_;
  std::vector<Value> values_;
  std::size_t size_ = 0;
};

struct Symbol {
  std::int32_t id;
  std::uint32_t len;
};

class BpeModel : public Model {
 public:
  explicit BpeModel(const nlohmann::json& j) : cache_(10000) {
    auto str_or_empty = [&](const char* k) {
      auto it = j.find(k);
      return (it == j.end() || it->is_null()) ? std::string() : it->get<std::string>();
    };
    auto flag = [&](const char* k) {
      auto it = j.find(k);
      return it != j.end() && !it->is_null() && it->get<bool>();
    };
    if (auto it = j.find("unk_token"); it != j.end() && !it->is_null()) unk_token_ = it->get<std::string>();
    prefix_ = str_or_empty("continuing_subword_prefix");
    suffix_ = str_or_empty("end_of_word_suffix");
    fuse_unk_ = flag("fuse_unk");
    byte_fallback_ = flag("byte_fallback");
    ignore_merges_ = flag("ignore_merges");
    for (const auto& [token, id] : j.at("vocab").items()) {
      const std::int32_t v = token_id(id, "model.vocab");
      vocab_.set(token, v);
      if (static_cast<std::size_t>(v) >= id_to_token_.size()) id_to_token_.resize(static_cast<std::size_t>(v) + 1);
      id_to_token_[static_cast<std::size_t>(v)] = token;
    }
    std::uint32_t rank = 0;
    for (const auto& m : j.at("merges")) {
      std::string a, b;
      if (m.is_string()) {
        const std::string s = m.get<std::string>();
        const auto sp = s.find(' ');
        if (sp == std::string::npos) throw Error(ErrorCode::ModelFormat, "BPE merge '" + s + "' has no space");
        a = s.substr(0, sp);
        b = s.substr(sp + 1);
      } else {
        a = m.at(0).get<std::string>();
        b = m.at(1).get<std::string>();
      }
      const auto ia = vocab_.get(a), ib = vocab_.get(b);
      if (!ia || !ib) throw Error(ErrorCode::ModelFormat, "BPE merge token '" + (ia ? b : a) + "' is not in the vocabulary");
      const std::size_t cut = (!prefix_.empty() && b.compare(0, prefix_.size(), prefix_) == 0) ? prefix_.size() : 0;
      const std::string merged = a + b.substr(std::min(cut, b.size()));
      const auto im = vocab_.get(merged);
      if (!im) throw Error(ErrorCode::ModelFormat, "BPE merge result '" + merged + "' is not in the vocabulary");
      merges_.set(*ia, *ib, {rank++, *im});
    }
  }

  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    if (word.empty()) return;
    if (ignore_merges_) {
      if (auto id = vocab_.get(word)) {
        out.push_back(Token{*id, std::string(word), 0, static_cast<std::uint32_t>(word.size())});
        return;
      }
    }
    auto emit = [&](const std::vector<Symbol>& symbols) {
      std::uint32_t offset = 0;
      for (const Symbol& s : symbols) {
        out.push_back(Token{s.id, id_to_token_[static_cast<std::size_t>(s.id)], offset, offset + s.len});
        offset += s.len;
      }
    };
    if (cache_.visit(word, emit)) return;
    std::vector<Symbol> symbols;
    merge_word(word, symbols);
    if (word.size() < 256) cache_.set(word, symbols);
    emit(symbols);
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.get(token); }
  std::optional<std::string> id_to_token(std::int32_t id) const override {
    if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size()) return std::nullopt;
    return id_to_token_[static_cast<std::size_t>(id)];
  }
  std::size_t vocab_size() const override { return vocab_.size(); }

 private:
  std::int32_t unk_id() const {
    auto id = vocab_.get(*unk_token_);
    if (!id) throw Error(ErrorCode::ModelFormat, "BPE unk token '" + *unk_token_ + "' is not in the vocabulary");
    return *id;
  }

  void merge_word(std::string_view w, std::vector<Symbol>& out) const {
    struct Sym {
      std::int32_t id;
      std::int32_t prev, next;
      std::uint32_t len;
    };
    std::vector<Sym> syms;
    syms.reserve(w.size());
    auto add = [&](std::int32_t id, std::uint32_t len) {
      const auto n = static_cast<std::int32_t>(syms.size());
      syms.push_back({id, n - 1, -1, len});
      if (n > 0) syms[static_cast<std::size_t>(n - 1)].next = n;
    };
    std::optional<std::pair<std::int32_t, std::uint32_t>> unk;
    std::string buf;
    std::size_t len = 0;
    for (std::size_t i = 0; i < w.size(); i += len) {
      len = std::min(uni::utf8_len(static_cast<unsigned char>(w[i])), w.size() - i);
      const bool is_first = i == 0, is_last = i + len >= w.size();
      std::string_view s = w.substr(i, len);
      if ((!is_first && !prefix_.empty()) || (is_last && !suffix_.empty())) {
        buf.clear();
        if (!is_first) buf += prefix_;
        buf += s;
        if (is_last) buf += suffix_;
        s = buf;
      }
      if (auto id = vocab_.get(s)) {
        if (unk) {
          add(unk->first, unk->second);
          unk.reset();
        }
        add(*id, static_cast<std::uint32_t>(len));
        continue;
      }
      if (byte_fallback_) {
        std::vector<std::int32_t> ids;
        bool all = true;
        for (const char ch : s) {
          static const char* hex = "0123456789ABCDEF";
          const auto b = static_cast<unsigned char>(ch);
          const char name[7] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>', 0};
          auto bid = vocab_.get(std::string_view(name, 6));
          if (!bid) {
            all = false;
            break;
          }
          ids.push_back(*bid);
        }
        if (all) {
          for (auto id : ids) add(id, 1);
          continue;
        }
      }
      if (unk_token_) {
        if (unk && fuse_unk_) {
          unk->second += static_cast<std::uint32_t>(len);
        } else {
          if (unk) add(unk->first, unk->second);
          unk = std::make_pair(unk_id(), static_cast<std::uint32_t>(len));
        }
      }
    }
    if (unk) add(unk->first, unk->second);

    struct Merge {
      std::uint32_t rank;
      std::int32_t pos;
      std::int32_t new_id;
      bool operator<(const Merge& o) const {  // priority_queue pops the "largest": lowest rank, then pos
        return rank != o.rank ? rank > o.rank : pos > o.pos;
      }
    };
    std::priority_queue<Merge> queue;
    for (std::size_t i = 0; i + 1 < syms.size(); ++i)
      if (const auto* m = merges_.get(syms[i].id, syms[i + 1].id))
        queue.push({m->rank, static_cast<std::int32_t>(i), m->id});
    while (!queue.empty()) {
      const Merge top = queue.top();
      queue.pop();
      Sym& cur = syms[static_cast<std::size_t>(top.pos)];
      if (cur.len == 0 || cur.next < 0) continue;
      const auto next_pos = static_cast<std::size_t>(cur.next);
      const Sym right = syms[next_pos];
      const auto* m = merges_.get(cur.id, right.id);
      if (!m || m->id != top.new_id) continue;
      cur.id = top.new_id;
      cur.len += right.len;
      cur.next = right.next;
      syms[next_pos].len = 0;
      if (right.next >= 0 && static_cast<std::size_t>(right.next) < syms.size())
        syms[static_cast<std::size_t>(right.next)].prev = top.pos;
      if (cur.prev >= 0) {
        const Sym& prev = syms[static_cast<std::size_t>(cur.prev)];
        if (const auto* pm = merges_.get(prev.id, cur.id)) queue.push({pm->rank, cur.prev, pm->id});
      }
      if (cur.next >= 0 && static_cast<std::size_t>(cur.next) < syms.size()) {
        const Sym& nx = syms[static_cast<std::size_t>(cur.next)];
        if (const auto* nm = merges_.get(cur.id, nx.id)) queue.push({nm->rank, top.pos, nm->id});
      }
    }
    out.clear();
    for (const Sym& s : syms)
      if (s.len != 0) out.push_back({s.id, s.len});
  }

  StringIdMap vocab_;
  std::vector<std::string> id_to_token_;
  PairMap merges_;
  std::optional<std::string> unk_token_;
  std::string prefix_, suffix_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  WordCache<std::vector<Symbol>> cache_;
};

}  // namespace

std::unique_ptr<Model> make_bpe_model(const nlohmann::json& j) { return std::make_unique<BpeModel>(j); }

}  // namespace rerank::text
