#include <chrono>

#include <gtest/gtest.h>

#include "rankers/bm25_ranker.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/test_support.hpp"

namespace rerank {
namespace {

std::vector<Document> docs(std::initializer_list<const char*> texts) {
  std::vector<Document> out;
  int i = 0;
  for (const char* t : texts) out.push_back(Document{"d" + std::to_string(i++), t, nlohmann::json::object()});
  return out;
}

std::unique_ptr<Ranker> bm25(std::map<std::string, std::string> params) {
  LoadOptions o;
  o.params = std::move(params);
  return load("bm25", o);
}

// Hand-computed: N=3, lengths 3,2,3 (avgdl 8/3), k1=1.2, b=0.75.
// idf(cat) = ln(1 + (3-2+0.5)/(2+0.5)) = ln 1.6;  K(dl=3) = 1.2*(0.25+0.75*3/(8/3)) = 1.3125
// d0 (tf 1): ln1.6 * 1*2.2/(1+1.3125) = 0.447138587823
// d2 (tf 2): ln1.6 * 2*2.2/(2+1.3125) = 0.624306707526
TEST(Bm25Ranker, MatchesHandComputedScores) {
  auto r = bm25({{"k1", "1.2"}, {"b", "0.75"}, {"stemmer", "none"}});
  auto s = r->score_documents("cat", docs({"the cat sat", "the dog", "cat cat dog"}));
  ASSERT_EQ(s.values.size(), 3u);
  EXPECT_NEAR(s.values[0], 0.447138587823, 1e-9);
  EXPECT_NEAR(s.values[1], 0.0, 1e-12);
  EXPECT_NEAR(s.values[2], 0.624306707526, 1e-9);

  // Two query terms add up; idf(dog) = ln 1.6 as well, K(dl=2) = 1.2*(0.25+0.75*2/(8/3)).
  auto s2 = r->score_documents("cat dog", docs({"the cat sat", "the dog", "cat cat dog"}));
  EXPECT_NEAR(s2.values[0], 0.447138587823, 1e-9);
  EXPECT_NEAR(s2.values[1], 0.523548346502, 1e-9);
  EXPECT_NEAR(s2.values[2], 1.071445295349, 1e-9);
}

// Usage is counted in the analyzer's terms: the query's once per document plus each document's.
TEST(Bm25Ranker, UsageCountsAnalyzedTerms) {
  auto r = bm25({{"stemmer", "none"}});
  auto s = r->score_documents("cat dog", docs({"the cat sat", "the dog", ""}));
  // Query: 2 terms x 3 documents; documents: 3 + 2 + 0 ("the" is kept: no stopwords by default).
  EXPECT_EQ(s.usage.at("tokens").get<std::size_t>(), 2u * 3u + 3u + 2u + 0u);
}

TEST(Bm25Ranker, IdfIsLucenes) {
  EXPECT_NEAR(Bm25Ranker::idf(10, 1), std::log(1 + 9.5 / 1.5), 1e-12);
  EXPECT_GT(Bm25Ranker::idf(3, 3), 0.0);  // never negative, unlike classic Robertson IDF
}

TEST(Bm25Ranker, StemsCaseFoldsAndUsesStopwords) {
  auto r = bm25({{"stopwords", "lucene"}});
  auto s = r->score_documents("RUNNING Dogs", docs({"the dog runs", "cats sleep", "DOG"}));
  EXPECT_GT(s.values[0], 0.0);
  EXPECT_EQ(s.values[1], 0.0);
  EXPECT_GT(s.values[2], 0.0);
  // Stopwords alone match nothing.
  auto s2 = r->score_documents("the and of", docs({"the and of", "x"}));
  EXPECT_EQ(s2.values[0], 0.0);
}

TEST(Bm25Ranker, EmptyInputsScoreZero) {
  auto r = bm25({});
  EXPECT_TRUE(r->score_documents("query", {}).values.empty());
  auto s = r->score_documents("", docs({"a b c", ""}));
  EXPECT_EQ(s.values, (std::vector<double>{0.0, 0.0}));
  auto s2 = r->score_documents("a", docs({"", "  "}));
  EXPECT_EQ(s2.values, (std::vector<double>{0.0, 0.0}));
}

TEST(Bm25Ranker, CorpusStatisticsReplaceCandidates) {
  testing::TempDir dir;
  // "cat" in 1 of 4 corpus docs: rarer than among the candidates, so a higher IDF.
  testing::write_file(dir / "corpus.tsv", "c1\tcat\nc2\tdog\nc3\tbird\nc4\tfish\n");
  auto with_corpus = bm25({{"corpus", (dir / "corpus.tsv").string()}, {"stemmer", "none"}});
  auto plain = bm25({{"stemmer", "none"}});
  auto candidates = docs({"cat", "cat dog"});
  EXPECT_GT(with_corpus->score_documents("cat", candidates).values[0],
            plain->score_documents("cat", candidates).values[0]);
}

TEST(Bm25Ranker, RejectsBadParameters) {
  EXPECT_THROW(bm25({{"k1", "abc"}}), Error);
  EXPECT_THROW(bm25({{"b", "1.5"}}), Error);
  EXPECT_THROW(bm25({{"stemmer", "klingon"}}), Error);
  EXPECT_THROW(bm25({{"bogus", "1"}}), Error);
  EXPECT_THROW(bm25({{"corpus", "/nonexistent/file.tsv"}}), Error);
}

TEST(Bm25Ranker, RanksAndReportsProvenance) {
  auto r = bm25({});
  auto ranked = r->rank("dog", docs({"cat", "dog dog", "dog"}));
  EXPECT_EQ(ranked.ranker, "bm25");
  EXPECT_EQ(ranked[0].document.id, "d1");
  EXPECT_EQ(ranked[2].document.id, "d0");
  EXPECT_EQ(r->info().score_kind, ScoreKind::Bm25);
  EXPECT_DOUBLE_EQ(r->score("dog", Document{"x", "dog", nlohmann::json::object()}),
                   r->score_documents("dog", docs({"dog"})).values[0]);
}

TEST(Bm25Ranker, RankManyMatchesRank) {
  auto r = bm25({});
  std::vector<std::string> queries = {"cat", "dog"};
  std::vector<std::vector<Document>> per_query = {docs({"cat", "dog"}), docs({"dog", "cat"})};
  auto many = r->rank_many(queries, per_query);
  ASSERT_EQ(many.size(), 2u);
  EXPECT_EQ(many[0][0].document.text, "cat");
  EXPECT_EQ(many[1][0].document.text, "dog");
}

}  // namespace
}  // namespace rerank
