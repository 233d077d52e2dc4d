// The version of the installed rerank library.
#pragma once

#include <string_view>

namespace rerank {

// "MAJOR.MINOR.PATCH", as find_package(rerank) and pkg-config report it.
std::string_view version() noexcept;

}  // namespace rerank
