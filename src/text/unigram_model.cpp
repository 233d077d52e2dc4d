// Unigram: Viterbi over all vocabulary pieces that start at each position (found with a
// byte trie), unknown characters scored min_score - 10, consecutive unknowns fused, and
// optional <0xXX> byte fallback; as the reference's encode_optimized.
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <limits>

#include "rerank/error.hpp"
#include "text/json_fields.hpp"
#include "text/models.hpp"
#include "text/string_map.hpp"
#include "text/unicode.hpp"
#include "text/word_cache.hpp"

namespace rerank::text {
namespace {

// A byte trie whose nodes store the vocabulary id ending there (or -1).
class ByteTrie {
 public:
  ByteTrie() : nodes_(1) {}
  void insert(std::string_view key, std::int32_t id) {
    std::uint32_t n = 0;
    for (const char ch : key) {
      const auto c = static_cast<unsigned char>(ch);
      std::uint32_t child = find(n, c);
      if (child == 0) {
        child = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back(Node{});
        nodes_[n].children.push_back({c, child});
      }
      n = child;
    }
    nodes_[n].id = id;  // the last duplicate wins, as the reference's token_to_ids
  }
  // Calls fn(length, id) for every key that is a prefix of `s`, shortest first.
  template <class Fn>
  void common_prefixes(std::string_view s, Fn&& fn) const {
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      n = find(n, static_cast<unsigned char>(s[i]));
      if (n == 0) return;
      if (nodes_[n].id >= 0) fn(i + 1, nodes_[n].id);
    }
  }
  void finalize() {
    root_.fill(0);
    for (const auto& [c, child] : nodes_[0].children) root_[c] = child;
  }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, std::uint32_t>> children;
    std::int32_t id = -1;
  };
  std::uint32_t find(std::uint32_t n, unsigned char c) const {
    if (n == 0 && finalized_root()) return root_[c];
    for (const auto& [label, child] : nodes_[n].children)
      if (label == c) return child;
    return 0;
  }
  bool finalized_root() const { return root_ready_; }

 public:
  void seal() {
    finalize();
    root_ready_ = true;
  }

 private:
  std::vector<Node> nodes_;
  std::array<std::uint32_t, 256> root_{};
  bool root_ready_ = false;
};

struct Piece {
  std::uint32_t len;
  std::int32_t id;  // -1: not a vocabulary token (fused unknowns resolve to unk or bytes)
};

class UnigramModel : public Model {
 public:
  explicit UnigramModel(const nlohmann::json& j) : cache_(10000) {
    const auto& vocab = j.at("vocab");
    min_score_ = std::numeric_limits<double>::infinity();
    std::int32_t id = 0;
    for (const auto& entry : vocab) {
      const std::string piece = entry.at(0).get<std::string>();
      const double score = entry.at(1).get<double>();
      pieces_.push_back(piece);
      scores_.push_back(score);
      token_to_id_.set(piece, id);
      trie_.insert(piece, id);
      min_score_ = std::min(min_score_, score);
      ++id;
    }
    trie_.seal();
    if (auto it = j.find("unk_id"); it != j.end() && !it->is_null()) {
      unk_id_ = token_id(*it, "model.unk_id");
      if (static_cast<std::size_t>(*unk_id_) >= pieces_.size())
        throw Error(ErrorCode::ModelFormat, "Unigram unk_id is outside the vocabulary");
    }
    byte_fallback_ = j.value("byte_fallback", false);
  }

  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    if (word.empty()) return;
    if (cache_.visit(word, [&](const std::vector<Piece>& pieces) { emit(word, pieces, out); })) return;
    std::vector<Piece> pieces;
    encode(word, pieces);
    cache_.set(word, pieces);
    emit(word, pieces, out);
  }

  void emit(std::string_view word, const std::vector<Piece>& pieces, std::vector<Token>& out) const {
    std::uint32_t offset = 0;
    for (const Piece& p : pieces) {
      const std::string_view s = word.substr(offset, p.len);
      std::int32_t id = p.id;
      if (id < 0) {
        if (auto found = token_to_id_.get(s)) id = *found;
      }
      if (id < 0 && byte_fallback_) {
        std::vector<Token> bytes;
        bool all = true;
        for (const char ch : s) {
          static const char* hex = "0123456789ABCDEF";
          const auto b = static_cast<unsigned char>(ch);
          std::string name = "<0x";
          name.push_back(hex[b >> 4]);
          name.push_back(hex[b & 15]);
          name.push_back('>');
          auto bid = token_to_id_.get(name);
          if (!bid) {
            all = false;
            break;
          }
          bytes.push_back(Token{*bid, std::move(name), offset, offset + p.len});
        }
        if (all) {
          for (auto& t : bytes) out.push_back(std::move(t));
          offset += p.len;
          continue;
        }
      }
      if (id < 0) {
        if (!unk_id_) throw Error(ErrorCode::ModelFormat, "Unigram model has no unk_id for an unknown piece");
        id = *unk_id_;
      }
      out.push_back(Token{id, std::string(s), offset, offset + p.len});
      offset += p.len;
    }
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return token_to_id_.get(token); }
  std::optional<std::string> id_to_token(std::int32_t id) const override {
    if (id < 0 || static_cast<std::size_t>(id) >= pieces_.size()) return std::nullopt;
    return pieces_[static_cast<std::size_t>(id)];
  }
  std::size_t vocab_size() const override { return pieces_.size(); }

 private:
  void encode(std::string_view s, std::vector<Piece>& result) const {
    struct Node {
      std::int32_t id = -1;
      double score = 0;
      std::int64_t starts_at = -1;
    };
    constexpr double kUnkPenalty = 10.0;
    const double unk_score = min_score_ - kUnkPenalty;
    std::vector<Node> best(s.size() + 1);
    std::size_t pos = 0;
    while (pos < s.size()) {
      const double here = best[pos].score;
      const std::size_t mblen = std::min(uni::utf8_len(static_cast<unsigned char>(s[pos])), s.size() - pos);
      bool has_single = false;
      trie_.common_prefixes(s.substr(pos), [&](std::size_t len, std::int32_t id) {
        Node& target = best[pos + len];
        const double cand = scores_[static_cast<std::size_t>(id)] + here;
        if (target.starts_at < 0 || cand > target.score) {
          target.score = cand;
          target.starts_at = static_cast<std::int64_t>(pos);
          target.id = id;
        }
        if (len == mblen) has_single = true;
      });
      if (!has_single) {
        Node& target = best[pos + mblen];
        const double cand = unk_score + here;
        if (target.starts_at < 0 || cand > target.score) {
          if (!unk_id_) throw Error(ErrorCode::ModelFormat, "Unigram model has no unk_id for an unknown character");
          target.score = cand;
          target.starts_at = static_cast<std::int64_t>(pos);
          target.id = *unk_id_;
        }
      }
      pos += mblen;
    }
    // Backtrack; consecutive unknowns fuse into one piece.
    std::vector<Piece> rev;
    std::size_t end = s.size();
    std::uint32_t fused = 0;
    while (end > 0) {
      const Node& n = best[end];
      const auto start = static_cast<std::size_t>(n.starts_at);
      const auto len = static_cast<std::uint32_t>(end - start);
      if (unk_id_ && n.id == *unk_id_) {
        fused += len;
      } else {
        if (fused) rev.push_back({fused, -1});
        fused = 0;
        rev.push_back({len, n.id});
      }
      end = start;
    }
    if (fused) rev.push_back({fused, -1});
    result.assign(rev.rbegin(), rev.rend());
  }

  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  StringIdMap token_to_id_;
  ByteTrie trie_;
  double min_score_ = 0;
  std::optional<std::int32_t> unk_id_;
  bool byte_fallback_ = false;
  WordCache<std::vector<Piece>> cache_;
};

}  // namespace

std::unique_ptr<Model> make_unigram_model(const nlohmann::json& j) { return std::make_unique<UnigramModel>(j); }

}  // namespace rerank::text
