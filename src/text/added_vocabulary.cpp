#include "text/added_vocabulary.hpp"

#include <algorithm>

#include "text/unicode.hpp"

namespace rerank::text {
namespace {

bool is_word(char32_t c) { return c == '_' || uni::is_alphanumeric(c); }

char32_t last_char(std::string_view s) {
  std::size_t p = s.size() - 1, len = 0;
  while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  return uni::decode(s, p, len);
}

}  // namespace

void AddedVocabulary::Matcher::insert(std::string_view key, std::int32_t token) {
  if (key.empty()) return;
  std::uint32_t n = 0;
  for (const char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    std::uint32_t child = 0;
    for (const auto& [label, idx] : nodes[n].children)
      if (label == c) child = idx;
    if (child == 0) {
      child = static_cast<std::uint32_t>(nodes.size());
      nodes.push_back(Node{});
      nodes[n].children.push_back({c, child});
    }
    n = child;
  }
  if (nodes[n].token < 0) nodes[n].token = token;
  first_byte[static_cast<unsigned char>(key[0])] = true;
}

std::pair<std::size_t, std::int32_t> AddedVocabulary::Matcher::longest(std::string_view s, std::size_t pos) const {
  std::pair<std::size_t, std::int32_t> best{0, -1};
  std::uint32_t n = 0;
  for (std::size_t i = pos; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t child = 0;
    for (const auto& [label, idx] : nodes[n].children)
      if (label == c) {
        child = idx;
        break;
      }
    if (child == 0) break;
    n = child;
    if (nodes[n].token >= 0) best = {i + 1 - pos, nodes[n].token};
  }
  return best;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    by_content_.set(t.content, t.id);
    if (t.content.empty()) continue;
    if (t.normalized) {
      NormalizedString ns(t.content, 0);
      if (normalizer) normalizer->normalize(ns);
      normalized_.insert(ns.get(), static_cast<std::int32_t>(i));
    } else {
      raw_.insert(t.content, static_cast<std::int32_t>(i));
    }
  }
}

void AddedVocabulary::find_matches(std::string_view s, const Matcher& m, std::vector<Found>& out) const {
  out.clear();
  if (s.empty()) {
    out.push_back({-1, 0, 0});
    return;
  }
  std::size_t start_offset = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (!m.first_byte[static_cast<unsigned char>(s[i])]) {
      ++i;
      continue;
    }
    const auto [len, token] = m.longest(s, i);
    if (token < 0) {
      ++i;
      continue;
    }
    std::size_t start = i, stop = i + len;
    i = stop;  // the matcher resumes after the match whatever stripping does below
    const AddedToken& t = tokens_[static_cast<std::size_t>(token)];
    if (t.single_word) {
      const bool start_space = start == 0 || !is_word(last_char(s.substr(0, start)));
      std::size_t l = 0;
      const bool stop_space = stop == s.size() || !is_word(uni::decode(s, stop, l));
      if (!start_space || !stop_space) continue;
    }
    if (t.lstrip) {
      std::size_t p = start;
      while (p > 0) {
        std::size_t q = p - 1, l = 0;
        while (q > 0 && (static_cast<unsigned char>(s[q]) & 0xC0) == 0x80) --q;
        if (!uni::is_whitespace(uni::decode(s, q, l))) break;
        p = q;
      }
      start = std::max(p, start_offset);
    }
    if (t.rstrip) {
      std::size_t l = 0;
      while (stop < s.size() && uni::is_whitespace(uni::decode(s, stop, l))) stop += l;
    }
    if (start_offset < start) out.push_back({-1, start_offset, start});
    out.push_back({token, start, stop});
    start_offset = stop;
  }
  if (start_offset != s.size()) out.push_back({-1, start_offset, s.size()});
}

void AddedVocabulary::split_with(const NormalizedString& ns, const Matcher& m, std::vector<Split>& out) const {
  std::vector<Found> found;
  find_matches(ns.get(), m, found);
  for (const Found& f : found) {
    if (f.end <= f.start) continue;
    Split split{ns.slice(f.start, f.end), false, {}};
    if (f.token >= 0) {
      const AddedToken& t = tokens_[static_cast<std::size_t>(f.token)];
      split.has_tokens = true;
      split.tokens.push_back(Token{t.id, t.content, 0, static_cast<std::uint32_t>(t.content.size())});
    }
    out.push_back(std::move(split));
  }
}

std::vector<Split> AddedVocabulary::extract_and_normalize(const Normalizer* normalizer, std::string_view text) const {
  std::vector<Split> first;
  const NormalizedString whole(text, 0);
  if (raw_.empty()) {
    if (!whole.empty()) first.push_back(Split{whole, false, {}});
  } else {
    split_with(whole, raw_, first);
  }
  if (!normalizer && normalized_.empty()) return first;
  std::vector<Split> out;
  out.reserve(first.size());
  for (auto& s : first) {
    if (s.has_tokens) {
      out.push_back(std::move(s));
      continue;
    }
    if (normalizer) normalizer->normalize(s.normalized);
    if (normalized_.empty()) {
      if (!s.normalized.empty()) out.push_back(std::move(s));
    } else {
      split_with(s.normalized, normalized_, out);
    }
  }
  return out;
}

}  // namespace rerank::text
