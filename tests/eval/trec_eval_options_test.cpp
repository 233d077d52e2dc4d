// trec_eval's getopt_long command line: attached/separate arguments, clusters, long options
// and prefixes, operands anywhere, "--".
#include <gtest/gtest.h>

#include "eval/trec_eval/options.hpp"
#include "rerank/error.hpp"

namespace te = rerank::eval::trec_eval;

namespace {
te::TrecEvalArgs parse(std::vector<std::string> args) { return te::parse_trec_eval_args(args); }
}  // namespace

TEST(TrecEvalOptions, AttachedAndSeparateArguments) {
  const auto a = parse({"-m", "all_trec", "-mrelstring.20", "-q", "-l2", "-M100", "qrels", "run"});
  EXPECT_EQ(a.measures, (std::vector<std::string>{"all_trec", "relstring.20"}));
  EXPECT_TRUE(a.query_eval);
  EXPECT_EQ(a.relevance_level, 2);
  EXPECT_EQ(a.max_docs, 100);
  EXPECT_EQ(a.qrels_path, "qrels");
  EXPECT_EQ(a.results_path, "run");

  const auto b = parse({"qrels", "-M", "100", "-l", "2", "run", "-c", "-n", "-N", "5000"});
  EXPECT_EQ(b.max_docs, 100);
  EXPECT_EQ(b.relevance_level, 2);
  EXPECT_TRUE(b.complete);
  EXPECT_FALSE(b.summary);
  EXPECT_EQ(b.num_docs_in_coll, 5000);
  EXPECT_EQ(b.qrels_path, "qrels");
  EXPECT_EQ(b.results_path, "run");
}

TEST(TrecEvalOptions, ClustersLongOptionsAndDoubleDash) {
  const auto a = parse({"-qcJ", "-qml2", "qrels", "run"});  // "-qml2": -q then -m with argument "l2"
  EXPECT_TRUE(a.query_eval);
  EXPECT_TRUE(a.complete);
  EXPECT_TRUE(a.judged_docs_only);
  EXPECT_EQ(a.measures, (std::vector<std::string>{"l2"}));

  const auto b = parse({"--measure=P.5", "--measure", "map", "--meas", "ndcg", "--complete_rel_info_wanted",
                        "--level_for_rel=3", "--", "-qrels-", "run"});
  EXPECT_EQ(b.measures, (std::vector<std::string>{"P.5", "map", "ndcg"}));
  EXPECT_TRUE(b.complete);
  EXPECT_EQ(b.relevance_level, 3);
  EXPECT_EQ(b.qrels_path, "-qrels-");

  const auto c = parse({"qrels", "-"});  // "-" is the results file (standard input)
  EXPECT_EQ(c.results_path, "-");

  const auto d = parse({"-D", "1.302", "qrels", "run"});
  EXPECT_EQ(d.debug_level, 1);
  EXPECT_EQ(d.debug_query, "302");
}

TEST(TrecEvalOptions, UsageErrors) {
  EXPECT_THROW(parse({"-x", "q", "r"}), rerank::Error);
  EXPECT_THROW(parse({"q", "r", "-m"}), rerank::Error);
  EXPECT_THROW(parse({"q"}), rerank::Error);
  EXPECT_THROW(parse({"q", "r", "s"}), rerank::Error);
  EXPECT_THROW(parse({"--nosuchoption", "q", "r"}), rerank::Error);
  EXPECT_THROW(parse({"--Re", "x", "q", "r"}), rerank::Error);  // ambiguous: Rel_info_format, Results_format
  EXPECT_FALSE(parse({"--nosum", "q", "r"}).summary);           // a unique prefix is enough
  EXPECT_NO_THROW(parse({"-h"}));
  EXPECT_TRUE(parse({"--help"}).help);
}

TEST(TrecEvalOptions, MeasureSelectionFollowsTrecEvalOrderAndFirstParameters) {
  const auto ms = te::select_measures({"ndcg_cut.10", "map", "P.5,7,3", "P.100", "ndcg_cut.20"});
  std::vector<std::string> names;
  for (const auto& m : ms) names.insert(names.end(), m.value_names.begin(), m.value_names.end());
  // Output order is trec_eval's measure table, not the command line; the first parameters win.
  EXPECT_EQ(names, (std::vector<std::string>{"map", "P_3", "P_5", "P_7", "ndcg_cut_10"}));

  const auto official = te::select_measures({});
  EXPECT_EQ(official.front().def->name, "runid");
  EXPECT_EQ(official.back().def->name, "P");

  const auto params = te::select_measures(
      {"iprec_at_recall..10,.5", "utility.2,-1,0,0", "relstring.20", "ndcg.1=3,2=9", "Rprec_mult.5.0,0.2"});
  names.clear();
  for (const auto& m : params) names.insert(names.end(), m.value_names.begin(), m.value_names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"iprec_at_recall_0.10", "iprec_at_recall_0.50", "relstring_20",
                                             "Rprec_mult_0.20", "Rprec_mult_5.00", "utility_2,-1,0,0",
                                             "ndcg_1=3,2=9"}));

  EXPECT_THROW(te::select_measures({"P."}), rerank::Error);
  EXPECT_THROW(te::select_measures({"P.0,5"}), rerank::Error);
  EXPECT_THROW(te::select_measures({"ndcg.1"}), rerank::Error);
  try {
    te::select_measures({"all_prefs"});
    FAIL();
  } catch (const rerank::Error& e) {
    EXPECT_EQ(e.code(), rerank::ErrorCode::NotSupported);
  }
}
