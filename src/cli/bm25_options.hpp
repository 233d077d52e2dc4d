// The first-stage BM25 flags shared by `rerank index` and `rerank eval`
// (--k1, --b, --stemmer, --stopwords), defined in cmd_index.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include "eval/index/bm25_index.hpp"

namespace rerank::cli {

void add_bm25_settings_options(CLI::App& cmd, eval::IndexSettings& settings);

}  // namespace rerank::cli
