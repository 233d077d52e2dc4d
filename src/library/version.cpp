// The shared library's own source: its version. Everything else in librerank.so is the
// layers' code, linked whole (src/CMakeLists.txt).
#include "rerank/version.hpp"

namespace rerank {

std::string_view version() noexcept { return RERANK_VERSION; }

}  // namespace rerank
