#include "eval/index/index_cache.hpp"

#include "core/environment.hpp"

#include <chrono>
#include <cstdint>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

namespace rerank::eval {

namespace {

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}


}  // namespace

std::filesystem::path default_index_cache_dir() {
  if (std::string v = env_value("RERANK_INDEX_CACHE"); !v.empty()) return v;
  if (std::string v = env_value("XDG_CACHE_HOME"); !v.empty()) return std::filesystem::path(v) / "rerank" / "indexes";
  if (std::string v = env_value("HOME"); !v.empty()) return std::filesystem::path(v) / ".cache" / "rerank" / "indexes";
  return std::filesystem::temp_directory_path() / "rerank-indexes";
}

std::filesystem::path cached_index_path(const std::filesystem::path& cache_dir, const Dataset& dataset,
                                        const IndexSettings& settings) {
  const std::uint64_t h = fnv1a(dataset.corpus_fingerprint + "\n" + settings.stemmer + "\n" + settings.stopwords);
  std::string name;
  for (char c : dataset.name) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  if (name.empty()) name = "corpus";
  return cache_dir / fmt::format("{}-{:016x}", name, h);
}

IndexInfo ensure_index(const std::filesystem::path& dir, const Dataset& dataset, const IndexSettings& settings,
                       std::ostream* log) {
  if (index_matches(dir, settings, dataset.corpus_fingerprint)) {
    if (log) *log << "index: using " << dir.string() << "\n";
    IndexInfo info = read_index_info(dir);
    info.settings.k1 = settings.k1;
    info.settings.b = settings.b;
    return info;
  }
  if (log) *log << "index: building " << dir.string() << " (" << settings.stemmer << " stemming, " << settings.stopwords
                << " stopwords)\n";
  const auto start = std::chrono::steady_clock::now();
  IndexInfo info = build_index(dir, settings, dataset.read_corpus, dataset.corpus_fingerprint, [&](std::size_t n) {
    if (log) *log << "index: " << n << " documents\n";
  });
  if (log) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *log << fmt::format("index: {} documents in {:.1f}s, average length {:.1f} terms\n", info.num_docs, s, info.avg_doc_length);
  }
  return info;
}

}  // namespace rerank::eval
