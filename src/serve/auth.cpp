#include "serve/auth.hpp"

#include <cctype>

namespace rerank::serve {

namespace {
bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = a.size();
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char bc = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(static_cast<unsigned char>(a[i]) ^ bc);
  }
  return diff == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace

bool authorized(std::string_view api_key, std::string_view header) {
  if (api_key.empty()) return true;
  std::string_view value = trim(header);
  if (value.size() > 7) {
    std::string scheme(value.substr(0, 7));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "bearer ") value = trim(value.substr(7));
  }
  return constant_time_equal(api_key, value);
}

}  // namespace rerank::serve
