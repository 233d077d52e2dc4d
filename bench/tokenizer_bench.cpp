// Tokenizer throughput on SciFact (../shared/datasets/scifact), single thread, for each
// tokenizer type of ../shared/reference/tokenizers: MB/s of documents through encode_raw,
// and (query, document) pairs/s through encode_pair and through the ranker's path (query
// encoded once, combine per document), truncated to 512 tokens, with the document encoded in full
// and as the ranker encodes it (encode_raw_capped: only as far as the early exit reads).
//   usage: tokenizer_bench [--docs N] [--seconds S]
#include <time.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/tokenizer.hpp"

namespace {

namespace fs = std::filesystem;

fs::path shared_dir() {
  if (const char* env = std::getenv("RERANK_SHARED_DIR")) return env;
  return RERANK_SHARED_DIR_DEFAULT;
}

std::vector<std::string> read_corpus(const fs::path& path, std::size_t limit) {
  std::vector<std::string> docs;
  gzFile f = gzopen(path.string().c_str(), "rb");
  if (!f) return docs;
  std::string line;
  char buf[1 << 16];
  while (docs.size() < limit && gzgets(f, buf, sizeof buf)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    line.clear();
    if (j.is_discarded()) continue;
    docs.push_back(j.value("title", std::string()) + " " + j.value("text", std::string()));
  }
  gzclose(f);
  return docs;
}

std::vector<std::string> read_queries(const fs::path& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(j.value("text", std::string()));
  }
  return out;
}

// CPU time of this thread: the figures stay meaningful on a loaded machine.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `pass` (one pass over the inputs) until `seconds` of CPU time have passed; returns
// passes per CPU second.
template <class Fn>
double rate(double seconds, Fn&& pass) {
  pass();  // warm-up: word caches filled as in a long-running server
  const double start = thread_seconds();
  std::size_t passes = 0;
  double elapsed = 0;
  do {
    pass();
    ++passes;
    elapsed = thread_seconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(passes) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n_docs = 1000;
  double seconds = 2.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--docs") == 0) n_docs = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::strtod(argv[i + 1], nullptr);
  }
  const fs::path shared = shared_dir();
  const auto docs = read_corpus(shared / "datasets/scifact/corpus.jsonl.gz", n_docs);
  const auto queries = read_queries(shared / "datasets/scifact/queries.test.jsonl");
  if (docs.empty() || queries.empty()) {
    std::printf("tokenizer_bench: SciFact not found under %s; nothing to measure\n", shared.string().c_str());
    return 0;
  }
  std::size_t bytes = 0;
  for (const auto& d : docs) bytes += d.size();
  std::printf("SciFact: %zu documents, %.2f MB, %zu queries; single thread, figures per CPU second (%.1f s each)\n", docs.size(),
              static_cast<double>(bytes) / 1e6, queries.size(), seconds);
  std::printf("%-14s %-22s %10s %14s %16s %16s\n", "tokenizer", "type", "MB/s", "pairs/s", "pairs/s (combine)",
              "(capped: ranker)");

  rerank::text::TruncationOptions trunc;
  trunc.max_length = 512;
  const std::pair<const char*, const char*> kinds[] = {{"bert-uncased", "WordPiece"},
                                                       {"xlmr-unigram", "Unigram+Precompiled"},
                                                       {"t5-unigram", "Unigram+WhitespaceSplit"},
                                                       {"gpt2-bpe", "ByteLevel BPE"},
                                                       {"qwen-bpe", "Split regex+NFC+BPE"}};
  for (const auto& [name, type] : kinds) {
    const fs::path dir = shared / "reference/tokenizers" / name;
    if (!fs::exists(dir)) continue;
    const auto tok = rerank::text::Tokenizer::from_directory(dir);
    std::size_t sink = 0;
    const double docs_per_s = rate(seconds, [&] {
      for (const auto& d : docs) sink += tok->encode_raw(d).size();
    });
    const double mb_per_s = docs_per_s * static_cast<double>(bytes) / 1e6;
    const double pair_passes = rate(seconds, [&] {
      for (std::size_t i = 0; i < docs.size(); ++i)
        sink += tok->encode_pair(queries[i % queries.size()], docs[i], true, trunc).size();
    });
    // Ranker path: one query against all documents, query encoded once.
    const double combine_passes = rate(seconds, [&] {
      const auto q = tok->encode_raw(queries[0]);
      for (const auto& d : docs) sink += tok->combine(q, tok->encode_raw(d), true, trunc).size();
    });
    // What the ranker does: the document tokenised only as far as truncation's early exit reads.
    const double capped_passes = rate(seconds, [&] {
      const auto q = tok->encode_raw(queries[0]);
      for (const auto& d : docs)
        sink += tok->combine(q, tok->encode_raw_capped(d, trunc.max_length, trunc.direction), true, trunc).size();
    });
    std::printf("%-14s %-22s %10.2f %14.0f %16.0f %16.0f\n", name, type, mb_per_s,
                pair_passes * static_cast<double>(docs.size()), combine_passes * static_cast<double>(docs.size()),
                capped_passes * static_cast<double>(docs.size()));
    if (sink == 42) std::printf(" ");
  }
  return 0;
}
