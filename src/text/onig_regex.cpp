#include "text/onig_regex.hpp"

#include <oniguruma.h>

#include <mutex>

#include "rerank/error.hpp"
#include "text/unicode.hpp"

namespace rerank::text {
namespace {

void init_onig() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[1] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

struct RegionDeleter {
  void operator()(OnigRegion* r) const { onig_region_free(r, 1); }
};

}  // namespace

OnigRegex::OnigRegex(const std::string& pattern) {
  init_onig();
  ::OnigRegex re = nullptr;
  OnigErrorInfo einfo;
  const auto* p = reinterpret_cast<const OnigUChar*>(pattern.data());
  const int rc = onig_new(&re, p, p + pattern.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY, &einfo);
  if (rc != ONIG_NORMAL) {
    OnigUChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(msg, rc, &einfo);
    throw Error(ErrorCode::ModelFormat, "tokenizer regex '" + pattern + "' does not compile: " +
                                            reinterpret_cast<const char*>(msg));
  }
  regex_ = re;
}

OnigRegex::~OnigRegex() {
  if (regex_) onig_free(static_cast<::OnigRegex>(regex_));
}

void OnigRegex::find_matches(std::string_view text, std::vector<MatchSpan>& out) const {
  out.clear();
  if (text.empty()) {
    out.push_back({0, 0, false});
    return;
  }
  auto* re = static_cast<::OnigRegex>(regex_);
  std::unique_ptr<OnigRegion, RegionDeleter> region(onig_region_new());
  const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
  const auto* end = begin + text.size();
  std::size_t prev = 0;       // end of the last match (start of the next gap)
  std::size_t search_at = 0;  // where the next search starts
  bool have_last = false;
  std::size_t last_match_end = 0;
  while (search_at <= text.size()) {
    onig_region_clear(region.get());
    const int r = onig_search(re, begin, end, begin + search_at, end, region.get(), ONIG_OPTION_NONE);
    if (r < 0) break;  // ONIG_MISMATCH or an error: no more matches
    const auto s = static_cast<std::size_t>(region->beg[0]);
    const auto e = static_cast<std::size_t>(region->end[0]);
    // As the onig crate: an empty match right after the previous match is skipped by
    // advancing one character.
    if (s == e && have_last && last_match_end == e) {
      if (search_at >= text.size()) break;
      search_at += uni::utf8_len(static_cast<unsigned char>(text[search_at]));
      continue;
    }
    search_at = e;
    have_last = true;
    last_match_end = e;
    if (prev != s) out.push_back({prev, s, false});
    out.push_back({s, e, true});
    prev = e;
  }
  if (prev != text.size()) out.push_back({prev, text.size(), false});
}

std::string OnigRegex::escape(std::string_view literal) {
  std::string out;
  for (const char c : literal) {
    if (std::string_view("\\.+*?()|[]{}^$#-").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace rerank::text
