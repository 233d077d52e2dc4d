// API-key check: "Authorization: Bearer KEY" and a bare "Authorization: KEY" are both
// accepted (clients differ); an empty configured key turns auth off.
#pragma once

#include <string>
#include <string_view>

namespace rerank::serve {

// True when `authorization_header` carries `api_key` (or `api_key` is empty). Compares in
// constant time so the key cannot be guessed byte by byte from response times.
bool authorized(std::string_view api_key, std::string_view authorization_header);

}  // namespace rerank::serve
