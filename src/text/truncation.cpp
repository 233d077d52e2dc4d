#include "text/truncation.hpp"

#include <algorithm>
#include <string>

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

// Split ends after keeping `n` of `size` tokens: a split cut in two keeps its kept part.
void keep_split_ends(std::vector<SplitEnd>& ends, std::size_t size, std::size_t n, TruncationDirection d) {
  std::vector<SplitEnd> kept;
  kept.reserve(ends.size());
  if (d == TruncationDirection::Right) {
    std::uint32_t start = 0;
    for (const SplitEnd& s : ends) {
      if (start >= n) break;
      kept.push_back({static_cast<std::uint32_t>(std::min<std::size_t>(s.end, n)), s.added});
      start = s.end;
    }
  } else {
    const std::size_t dropped = size - n;
    for (const SplitEnd& s : ends)
      if (s.end > dropped) kept.push_back({static_cast<std::uint32_t>(s.end - dropped), s.added});
  }
  ends.swap(kept);
}

const char* strategy_name(TruncationStrategy s) {
  switch (s) {
    case TruncationStrategy::LongestFirst: return "longest_first";
    case TruncationStrategy::OnlyFirst: return "only_first";
    case TruncationStrategy::OnlySecond: return "only_second";
  }
  return "?";
}

}  // namespace

void truncate_encoding(Encoding& e, std::size_t max_len, TruncationDirection d, std::size_t stride) {
  const std::size_t size = e.ids.size();
  if (size <= max_len) return;
  // The reference asserts this in Encoding::truncate (a panic in Python); a typed error here.
  if (max_len > 0 && stride >= max_len)
    throw Error(ErrorCode::InvalidInput, "truncation stride " + std::to_string(stride) +
                                             " must be smaller than the " + std::to_string(max_len) +
                                             " tokens a sequence is cut to");
  keep(e.ids, max_len, d);
  keep(e.type_ids, max_len, d);
  keep(e.tokens, max_len, d);
  keep(e.offsets, max_len, d);
  keep(e.special_tokens_mask, max_len, d);
  keep(e.sequence_ids, max_len, d);
  keep_split_ends(e.split_ends, size, max_len, d);
}

void cap_at_split(Encoding& e, std::size_t max_tokens, TruncationDirection d) {
  const std::vector<SplitEnd>& ends = e.split_ends;
  if (ends.empty()) return;
  const std::size_t size = e.size();
  // The reference counts added-token splits (already tokenised) without checking the limit
  // after them; only a split the model has just tokenised can end the walk.
  if (d == TruncationDirection::Right) {
    for (const SplitEnd& s : ends) {
      if (!s.added && s.end >= max_tokens) {
        truncate_encoding(e, s.end, d);
        return;
      }
    }
  } else {
    for (std::size_t i = ends.size(); i-- > 0;) {
      const std::size_t held = size - (i == 0 ? 0 : ends[i - 1].end);
      if (!ends[i].added && held >= max_tokens) {
        truncate_encoding(e, held, d);
        return;
      }
    }
  }
}

void truncate_encodings(Encoding& first, std::optional<Encoding>& second, std::size_t max_length,
                        TruncationStrategy strategy, TruncationDirection direction, std::size_t stride) {
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
      truncate_encoding(first, total - to_remove, direction, stride);
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
    truncate_encoding(first, n1, direction, stride);
    truncate_encoding(*second, n2, direction, stride);
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
                std::string("cannot truncate with ") + strategy_name(strategy) + " to fit " +
                    std::to_string(max_length) + " tokens of text (the max length less the special tokens): the " +
                    (strategy == TruncationStrategy::OnlyFirst ? "second" : "first") + " sequence alone has " +
                    std::to_string(total - target->size()) + "; use longest_first or a larger max length");
  truncate_encoding(*target, target->size() - to_remove, direction, stride);
}

void truncate_for_encode(Encoding& first, std::optional<Encoding>& second, const TruncationOptions& options,
                         std::size_t specials_single, std::size_t specials_added) {
  const std::size_t max_length = options.max_length;
  // Deliberate deviation: the reference subtracts in unsigned arithmetic and wraps around to
  // "no limit" here; a budget that cannot hold the special tokens is an error instead.
  if (specials_added > max_length)
    throw Error(ErrorCode::InvalidInput, "max_length " + std::to_string(max_length) + " is smaller than the " +
                                             std::to_string(specials_added) + " special tokens the tokenizer adds");
  // with_truncation: the stride must fit in one text's budget (which wraps, so never fails,
  // when the single-text special tokens exceed the max length).
  if (specials_single <= max_length && max_length - specials_single < options.stride)
    throw Error(ErrorCode::InvalidArgument,
                "truncation stride " + std::to_string(options.stride) + " is larger than the effective max length " +
                    std::to_string(max_length - specials_single) + " (max length " + std::to_string(max_length) +
                    " less " + std::to_string(specials_single) + " special tokens)");
  // do_tokenize's early exit caps each sequence at max_length tokens (special tokens not
  // subtracted) at a split boundary; the first sequence is left whole under only_second.
  if (options.strategy != TruncationStrategy::OnlySecond) cap_at_split(first, max_length, options.direction);
  if (second) cap_at_split(*second, max_length, options.direction);
  truncate_encodings(first, second, max_length - specials_added, options.strategy, options.direction,
                     options.stride);
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
