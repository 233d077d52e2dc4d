// Where `rerank eval` keeps first-stage indexes between runs, and reusing them.
#pragma once

#include <filesystem>
#include <ostream>

#include "eval/datasets/dataset.hpp"
#include "eval/index/bm25_index.hpp"

namespace rerank::eval {

// $RERANK_INDEX_CACHE, else $XDG_CACHE_HOME/rerank/indexes, else ~/.cache/rerank/indexes,
// else <temp>/rerank-indexes.
std::filesystem::path default_index_cache_dir();

// The cache folder for a corpus + analyzer: "<dataset>-<16 hex digits of FNV-1a(fingerprint,
// stemmer, stopwords)>" under `cache_dir`.
std::filesystem::path cached_index_path(const std::filesystem::path& cache_dir, const Dataset& dataset,
                                        const IndexSettings& settings);

// Returns an index of `dataset` at `dir`, building it when `dir` holds none, or one built
// from other files or with another analyzer. Logs what it does to `log` (may be null).
IndexInfo ensure_index(const std::filesystem::path& dir, const Dataset& dataset, const IndexSettings& settings,
                       std::ostream* log);

}  // namespace rerank::eval
