// The Xapian BM25 first stage: exact Okapi scores, analyzer, parameters, index reuse.
#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "eval/index/bm25_index.hpp"
#include "eval/index/index_cache.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::eval {
namespace {

using rerank::testing::TempDir;

std::function<void(const DocumentSink&)> corpus_of(std::vector<CorpusDocument> docs) {
  return [docs](const DocumentSink& sink) {
    for (CorpusDocument d : docs) sink(std::move(d));
  };
}

const std::vector<CorpusDocument>& small_corpus() {
  static const std::vector<CorpusDocument> docs = {
      {"d1", "Cats", "the cat sat on the mat"},
      {"d2", "", "dogs and cats are pets; cats purr"},
      {"d3", "Birds", "birds fly over the sea and the land, far from any dog"},
      {"d4", "", "a completely unrelated sentence about compilers"},
  };
  return docs;
}

// Okapi BM25 as Xapian's BM25Weight computes it with k2 = 0, min_normlen = 0 and a linear
// query-frequency factor: idf = log((N - n + 0.5) / (n + 0.5)), with ratios below 2
// replaced by ratio/2 + 1 (Xapian keeps weights positive), times (k1 + 1) tf / (K + tf).
double okapi(double N, double n, double tf, double len, double avg, double k1, double b, double wqf = 1) {
  double ratio = (N - n + 0.5) / (n + 0.5);
  if (ratio < 2) ratio = ratio * 0.5 + 1;
  const double K = k1 * ((1 - b) + b * len / avg);
  return wqf * std::log(ratio) * (k1 + 1) * tf / (K + tf);
}

TEST(Bm25Index, ScoresAreOkapiBm25) {
  TempDir dir;
  IndexSettings settings;  // porter + lucene stopwords, k1 0.9, b 0.4
  const IndexInfo info = build_index(dir / "idx", settings, corpus_of(small_corpus()), "fp");
  EXPECT_EQ(info.num_docs, 4u);
  // Terms after stopwords and Porter: d1 "cat cat sat mat" (4; title+text), d2 "dog cat pet cat purr" (5),
  // d3 "bird bird fly over sea land far from ani dog" (10), d4 "complet unrel sentenc about compil" (5).
  EXPECT_DOUBLE_EQ(info.avg_doc_length, 24.0 / 4.0);
  Bm25Searcher searcher(dir / "idx");
  const auto hits = searcher.search("cats", 10);
  ASSERT_EQ(hits.size(), 2u);
  // "cat": n = 2 of N = 4; tf 2 in d1 (len 4) and d2 (len 5).
  EXPECT_EQ(hits[0].id, "d1");
  EXPECT_NEAR(hits[0].score, okapi(4, 2, 2, 4, 6, 0.9, 0.4), 1e-9);
  EXPECT_EQ(hits[1].id, "d2");
  EXPECT_NEAR(hits[1].score, okapi(4, 2, 2, 5, 6, 0.9, 0.4), 1e-9);
  EXPECT_EQ(hits[0].title, "Cats");
  EXPECT_EQ(hits[0].contents(), "Cats the cat sat on the mat");
}

TEST(Bm25Index, RepeatedQueryWordsCountAgainAndParametersApply) {
  TempDir dir;
  build_index(dir / "idx", IndexSettings{}, corpus_of(small_corpus()), "fp");
  Bm25Searcher searcher(dir / "idx");
  const double once = searcher.search("compilers", 1).at(0).score;
  const double twice = searcher.search("compilers compiler", 1).at(0).score;  // both stem to "compil"
  EXPECT_NEAR(twice, 2 * once, 1e-6 * once);
  EXPECT_NEAR(once, okapi(4, 1, 1, 5, 6, 0.9, 0.4), 1e-9);
  searcher.set_parameters(1.2, 0.75);
  EXPECT_NEAR(searcher.search("compilers", 1).at(0).score, okapi(4, 1, 1, 5, 6, 1.2, 0.75), 1e-9);
  EXPECT_THROW(searcher.set_parameters(-1, 0.5), Error);
  EXPECT_THROW(searcher.set_parameters(1, 1.5), Error);
}

TEST(Bm25Index, StopwordsAndEmptyQueries) {
  TempDir dir;
  build_index(dir / "idx", IndexSettings{}, corpus_of(small_corpus()), "fp");
  Bm25Searcher searcher(dir / "idx");
  EXPECT_TRUE(searcher.search("the and of", 10).empty());  // all Lucene stopwords
  EXPECT_TRUE(searcher.search("", 10).empty());
  EXPECT_TRUE(searcher.search("zebra", 10).empty());
  EXPECT_TRUE(searcher.search("cat", 0).empty());
  EXPECT_EQ(searcher.search("cat dog bird", 2).size(), 2u);
}

TEST(Bm25Index, WithoutStopwordsTheyAreSearchable) {
  TempDir dir;
  IndexSettings settings;
  settings.stopwords = "none";
  settings.stemmer = "none";
  build_index(dir / "idx", settings, corpus_of(small_corpus()), "fp");
  Bm25Searcher searcher(dir / "idx");
  EXPECT_EQ(searcher.info().settings.stopwords, "none");
  EXPECT_EQ(searcher.search("the", 10).size(), 2u);
  EXPECT_TRUE(searcher.search("cat", 10).size() == 1u);  // unstemmed: only d1 says "cat"
}

TEST(Bm25Index, RepeatedIdsReplaceAndInfoIsStored) {
  TempDir dir;
  IndexSettings settings;
  settings.k1 = 1.5;
  settings.b = 0.6;
  const IndexInfo info = build_index(dir / "idx", settings,
                                     corpus_of({{"a", "", "first version"}, {"b", "", "other"}, {"a", "", "second version"}}), "fp-1");
  EXPECT_EQ(info.num_docs, 2u);
  EXPECT_EQ(info.fingerprint, "fp-1");
  EXPECT_DOUBLE_EQ(info.settings.k1, 1.5);
  EXPECT_DOUBLE_EQ(info.settings.b, 0.6);
  Bm25Searcher searcher(dir / "idx");
  EXPECT_TRUE(searcher.search("first", 5).empty());
  ASSERT_EQ(searcher.search("second", 5).size(), 1u);
}

TEST(Bm25Index, RefusesToOverwriteOtherFolders) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  rerank::testing::write_file(dir / "data" / "precious.txt", "keep me");
  try {
    build_index(dir / "data", IndexSettings{}, corpus_of(small_corpus()), "fp");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "precious.txt"));
  EXPECT_THROW(Bm25Searcher(dir / "data"), Error);
  EXPECT_THROW(Bm25Searcher(dir / "missing"), Error);
}

TEST(Bm25Index, CacheReusesMatchingIndexAndRebuildsStaleOnes) {
  TempDir dir;
  Dataset ds;
  ds.name = "tiny set";
  ds.corpus_fingerprint = "v1";
  int reads = 0;
  ds.read_corpus = [&](const DocumentSink& sink) {
    ++reads;
    corpus_of(small_corpus())(sink);
  };
  const auto path = cached_index_path(dir.path(), ds, IndexSettings{});
  EXPECT_EQ(path.parent_path(), dir.path());
  EXPECT_EQ(path.filename().string().rfind("tiny_set-", 0), 0u) << path;
  ensure_index(path, ds, IndexSettings{}, nullptr);
  ensure_index(path, ds, IndexSettings{}, nullptr);
  EXPECT_EQ(reads, 1);
  ds.corpus_fingerprint = "v2";  // the files changed
  EXPECT_NE(cached_index_path(dir.path(), ds, IndexSettings{}), path);
  ensure_index(path, ds, IndexSettings{}, nullptr);
  EXPECT_EQ(reads, 2);
  IndexSettings english;
  english.stemmer = "english";
  EXPECT_FALSE(index_matches(path, english, "v2"));
  EXPECT_TRUE(index_matches(path, IndexSettings{}, "v2"));
}

}  // namespace
}  // namespace rerank::eval
