#include "text/truncation.hpp"

#include <algorithm>

#include "rerank/error.hpp"

namespace rerank::text {
namespace {

template <class T>
void keep(std::vector<T>& v, std::size_t n, TruncationDirection d) {
  if (v.size() <= n) return;
  if (d == TruncationDirection::Right)
    v.resize(n);
  else
    v.erase(v.begin(), v.end() - static_cast<std::ptrdiff_t>(n));
}

}  // namespace

void truncate_encoding(Encoding& e, std::size_t max_len, TruncationDirection d) {
  if (e.ids.size() <= max_len) return;
  keep(e.ids, max_len, d);
  keep(e.type_ids, max_len, d);
  keep(e.tokens, max_len, d);
  keep(e.offsets, max_len, d);
  keep(e.special_tokens_mask, max_len, d);
  keep(e.sequence_ids, max_len, d);
}

void truncate_encodings(Encoding& first, std::optional<Encoding>& second, std::size_t max_length,
                        TruncationStrategy strategy, TruncationDirection direction) {
  if (max_length == 0) {
    truncate_encoding(first, 0, direction);
    if (second) truncate_encoding(*second, 0, direction);
    return;
  }
  const std::size_t total = first.size() + (second ? second->size() : 0);
  if (total <= max_length) return;
  const std::size_t to_remove = total - max_length;
  if (strategy == TruncationStrategy::LongestFirst) {
    if (!second) {
      truncate_encoding(first, total - to_remove, direction);
      return;
    }
    std::size_t n1 = first.size(), n2 = second->size();
    const bool swap = n1 > n2;
    if (swap) std::swap(n1, n2);
    if (n1 > max_length)
      n2 = n1;
    else
      n2 = std::max(n1, max_length - n1);
    if (n1 + n2 > max_length) {
      n1 = max_length / 2;
      n2 = n1 + max_length % 2;
    }
    if (swap) std::swap(n1, n2);
    truncate_encoding(first, n1, direction);
    truncate_encoding(*second, n2, direction);
    return;
  }
  Encoding* target = nullptr;
  if (strategy == TruncationStrategy::OnlyFirst) {
    target = &first;
  } else {
    if (!second)
      throw Error(ErrorCode::InvalidInput, "truncation only_second needs a second sequence (a pair of texts)");
    target = &*second;
  }
  if (target->size() <= to_remove)
    throw Error(ErrorCode::InvalidInput,
                std::string("cannot truncate with ") +
                    (strategy == TruncationStrategy::OnlyFirst ? "only_first" : "only_second") + " to fit " +
                    std::to_string(max_length) + " tokens of text (the max length less the special tokens): the " +
                    (strategy == TruncationStrategy::OnlyFirst ? "second" : "first") + " sequence alone has " +
                    std::to_string(total - target->size()) + "; use longest_first or a larger max length");
  truncate_encoding(*target, target->size() - to_remove, direction);
}

void append_encoding(Encoding& a, const Encoding& b) {
  a.ids.insert(a.ids.end(), b.ids.begin(), b.ids.end());
  a.type_ids.insert(a.type_ids.end(), b.type_ids.begin(), b.type_ids.end());
  a.tokens.insert(a.tokens.end(), b.tokens.begin(), b.tokens.end());
  a.offsets.insert(a.offsets.end(), b.offsets.begin(), b.offsets.end());
  a.special_tokens_mask.insert(a.special_tokens_mask.end(), b.special_tokens_mask.begin(), b.special_tokens_mask.end());
  a.sequence_ids.insert(a.sequence_ids.end(), b.sequence_ids.begin(), b.sequence_ids.end());
}

}  // namespace rerank::text
