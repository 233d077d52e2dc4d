#include "text/analyzer.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_set>

#include <libstemmer.h>
#include <utf8proc.h>

#include "rerank/error.hpp"

namespace rerank::text {

const std::vector<std::string>& lucene_english_stopwords() {
  static const std::vector<std::string> words = {
      "a",    "an",   "and",   "are",   "as",    "at",   "be",    "but",  "by",   "for",  "if",
      "in",   "into", "is",    "it",    "no",    "not",  "of",    "on",   "or",   "such", "that",
      "the",  "their", "then", "there", "these", "they", "this",  "to",   "was",  "will", "with"};
  return words;
}

namespace {

// libstemmer's stemmers keep state, so each thread gets its own per algorithm.
class StemmerCache {
 public:
  ~StemmerCache() {
    for (auto& [name, s] : stemmers_) sb_stemmer_delete(s);
  }
  sb_stemmer* get(const std::string& algorithm) {
    auto it = stemmers_.find(algorithm);
    if (it != stemmers_.end()) return it->second;
    sb_stemmer* s = sb_stemmer_new(algorithm.c_str(), "UTF_8");
    stemmers_.emplace(algorithm, s);
    return s;
  }

 private:
  std::map<std::string, sb_stemmer*> stemmers_;
};

bool is_word_char(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

void append_utf8(std::string& out, utf8proc_int32_t cp) {
  utf8proc_uint8_t buf[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

}  // namespace

Analyzer::Analyzer(AnalyzerOptions options) : options_(std::move(options)) {
  if (options_.stemmer != "none") {
    sb_stemmer* probe = sb_stemmer_new(options_.stemmer.c_str(), "UTF_8");
    if (!probe) {
      throw Error(ErrorCode::InvalidArgument,
                  "unknown stemmer '" + options_.stemmer + "' (use english, porter or none)");
    }
    sb_stemmer_delete(probe);
  }
  if (options_.stopwords != "none" && options_.stopwords != "lucene") {
    throw Error(ErrorCode::InvalidArgument,
                "unknown stopword list '" + options_.stopwords + "' (use none or lucene)");
  }
}

Analyzer::~Analyzer() = default;

std::string Analyzer::stem(const std::string& word) const {
  if (options_.stemmer == "none") return word;
  thread_local StemmerCache cache;
  sb_stemmer* s = cache.get(options_.stemmer);
  const sb_symbol* out = sb_stemmer_stem(s, reinterpret_cast<const sb_symbol*>(word.data()),
                                         static_cast<int>(word.size()));
  if (!out) return word;  // out of memory inside libstemmer: keep the unstemmed term
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(sb_stemmer_length(s)));
}

std::vector<std::string> Analyzer::analyze(std::string_view text) const {
  static const std::unordered_set<std::string> stopset(lucene_english_stopwords().begin(),
                                                       lucene_english_stopwords().end());
  std::vector<std::string> terms;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (options_.stopwords != "lucene" || !stopset.count(word)) terms.push_back(stem(word));
    word.clear();
  };
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // invalid byte: a separator
      flush();
      ++p;
      --left;
      continue;
    }
    p += n;
    left -= n;
    if (!is_word_char(cp)) {
      flush();
      continue;
    }
    // Full case folding (ß -> ss, Σ/ς -> σ); decomposition is not needed for matching here.
    utf8proc_int32_t folded[8];
    int options = UTF8PROC_CASEFOLD;
    utf8proc_ssize_t m = utf8proc_decompose_char(cp, folded, 8, static_cast<utf8proc_option_t>(options), nullptr);
    if (m <= 0) {
      append_utf8(word, cp);
    } else {
      for (utf8proc_ssize_t i = 0; i < m && i < 8; ++i) append_utf8(word, folded[i]);
    }
  }
  flush();
  return terms;
}

}  // namespace rerank::text
