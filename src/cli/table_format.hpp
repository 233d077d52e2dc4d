// A readable ranked table for terminals.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "rerank/document.hpp"

namespace rerank::cli {

// Cuts `text` to at most `max_chars` code points (never inside a UTF-8 sequence),
// with newlines and tabs shown as spaces and "..." when cut.
std::string ellipsize(std::string_view text, std::size_t max_chars);

void print_ranked_table(std::ostream& out, const RankedResults& results, std::string_view query,
                        std::string_view model);

}  // namespace rerank::cli
