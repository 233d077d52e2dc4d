#include <gtest/gtest.h>

#include "rerank/error.hpp"
#include "text/analyzer.hpp"

namespace rerank::text {
namespace {

using Terms = std::vector<std::string>;

TEST(Analyzer, SplitsFoldsAndStems) {
  Analyzer a;
  EXPECT_EQ(a.analyze("Running DOGS, jumped!"), (Terms{"run", "dog", "jump"}));
  EXPECT_EQ(a.analyze(""), Terms{});
  EXPECT_EQ(a.analyze("  ..., "), Terms{});
}

TEST(Analyzer, UnicodeCaseFoldingAndLetters) {
  Analyzer a({"none", "none"});
  EXPECT_EQ(a.analyze("Straße ΣΟΦΊΑ Éclair"), (Terms{"strasse", "σοφία", "éclair"}));
  EXPECT_EQ(a.analyze("东京 2024年"), (Terms{"东京", "2024年"}));
  EXPECT_EQ(a.analyze("e-mail foo_bar"), (Terms{"e", "mail", "foo", "bar"}));
}

TEST(Analyzer, InvalidUtf8BytesSeparateTerms) {
  Analyzer a({"none", "none"});
  EXPECT_EQ(a.analyze("ab\xFF" "cd"), (Terms{"ab", "cd"}));
}

TEST(Analyzer, LuceneStopwords) {
  Analyzer a({"porter", "lucene"});
  EXPECT_EQ(a.analyze("The retrieval of information is not such a problem"),
            (Terms{"retriev", "inform", "problem"}));
}

TEST(Analyzer, RejectsUnknownSettings) {
  EXPECT_THROW(Analyzer({"klingon", "none"}), Error);
  EXPECT_THROW(Analyzer({"english", "french"}), Error);
}

}  // namespace
}  // namespace rerank::text
