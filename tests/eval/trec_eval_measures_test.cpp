// Unit tests of trec_eval measure definitions on small hand-computed cases: the tricky ones
// (bpref, infAP, gm_map's epsilon, Rprec_mult, utility, relative_P, tie-breaking, -c, -M).
#include <cmath>

#include <gtest/gtest.h>

#include "eval/trec_eval/evaluate.hpp"
#include "rerank/error.hpp"

namespace te = rerank::eval::trec_eval;

namespace {

te::Run one_query_run(const std::string& qid, const std::vector<std::pair<std::string, double>>& docs) {
  te::Run run;
  for (const auto& [doc, score] : docs) run[qid].push_back({doc, score});
  return run;
}

// Scores 10, 9, 8, ... so that the list order is the ranking.
te::Run ranked(const std::string& qid, const std::vector<std::string>& docs) {
  te::Run run;
  double score = 100.0;
  for (const auto& d : docs) run[qid].push_back({d, score--});
  return run;
}

double value(const te::MeasureValues& v, const std::string& qid, const std::string& name) {
  return v.per_query.at(qid).at(name);
}

}  // namespace

TEST(TrecEvalMeasures, AveragePrecisionAndPrecisionAtK) {
  te::Qrels qrels{{"q", {{"a", 1}, {"b", 1}, {"c", 0}, {"d", 1}}}};
  // ranks: a(rel) x c b(rel)  -> AP = (1/1 + 2/4) / 3 (d never retrieved)
  const auto v =
      te::evaluate(qrels, ranked("q", {"a", "x", "c", "b"}), {"map", "P.2,5", "recip_rank", "Rprec"});
  EXPECT_DOUBLE_EQ(value(v, "q", "map"), (1.0 + 0.5) / 3.0);
  EXPECT_DOUBLE_EQ(value(v, "q", "P_2"), 0.5);
  EXPECT_DOUBLE_EQ(value(v, "q", "P_5"), 2.0 / 5.0);  // missing ranks count as nonrelevant
  EXPECT_DOUBLE_EQ(value(v, "q", "recip_rank"), 1.0);
  EXPECT_DOUBLE_EQ(value(v, "q", "Rprec"), 1.0 / 3.0);  // top R=3: a x c
}

TEST(TrecEvalMeasures, TiesAreBrokenByDocnoDescending) {
  te::Qrels qrels{{"q", {{"doc_a", 1}}}};
  // Equal scores: trec_eval ranks "doc_b" before "doc_a" (docno descending), whatever the file order.
  const auto v = te::evaluate(qrels, one_query_run("q", {{"doc_a", 1.0}, {"doc_b", 1.0}}), {"recip_rank"});
  EXPECT_DOUBLE_EQ(value(v, "q", "recip_rank"), 0.5);
  const auto w = te::evaluate(qrels, one_query_run("q", {{"doc_b", 1.0}, {"doc_a", 1.0}}), {"recip_rank"});
  EXPECT_DOUBLE_EQ(value(w, "q", "recip_rank"), 0.5);
  // A higher score still wins.
  const auto x = te::evaluate(qrels, one_query_run("q", {{"doc_a", 1.5}, {"doc_b", 1.0}}), {"recip_rank"});
  EXPECT_DOUBLE_EQ(value(x, "q", "recip_rank"), 1.0);
}

TEST(TrecEvalMeasures, BprefCountsOnlyJudgedNonrelevantAbove) {
  te::Qrels qrels{{"q", {{"r1", 1}, {"r2", 1}, {"n1", 0}, {"n2", 0}, {"n3", 0}}}};
  // n1 r1 u(unjudged) n2 r2: r1 has 1 judged nonrel above, r2 has 2; R = 2, min(N, R) = 2.
  const auto v = te::evaluate(qrels, ranked("q", {"n1", "r1", "u", "n2", "r2"}), {"bpref"});
  EXPECT_DOUBLE_EQ(value(v, "q", "bpref"), ((1.0 - 1.0 / 2.0) + (1.0 - 2.0 / 2.0)) / 2.0);
  // Unjudged documents do not hurt bpref, unlike AP.
  const auto w = te::evaluate(qrels, ranked("q", {"u1", "u2", "r1", "r2"}), {"bpref", "map"});
  EXPECT_DOUBLE_EQ(value(w, "q", "bpref"), 1.0);
  EXPECT_DOUBLE_EQ(value(w, "q", "map"), (1.0 / 3.0 + 2.0 / 4.0) / 2.0);
}

TEST(TrecEvalMeasures, InfApFollowsYilmazAslamEstimate) {
  // r1 (rank 1), n (judged nonrel), p (pooled, unjudged: rel -1), x (not in pool), r2 (rank 5).
  te::Qrels qrels{{"q", {{"r1", 1}, {"r2", 1}, {"n", 0}, {"p", -1}}}};
  const auto v = te::evaluate(qrels, ranked("q", {"r1", "n", "p", "x", "r2"}), {"infAP"});
  const double eps = 0.00001;
  // Rank 1: 1. Rank 5 (j = 4): 1/5 + (4/5) * ((1 + 1 + 1)/4) * ((1 + eps)/(1 + 1 + 2 eps)).
  const double at5 = 1.0 / 5.0 + (4.0 / 5.0) * (3.0 / 4.0) * ((1.0 + eps) / (2.0 + 2 * eps));
  EXPECT_NEAR(value(v, "q", "infAP"), (1.0 + at5) / 2.0, 1e-15);
}

TEST(TrecEvalMeasures, GeometricMeanUsesEpsilonForZero) {
  te::Qrels qrels{{"q1", {{"a", 1}, {"b", 1}}}, {"q2", {{"c", 1}}}};
  te::Run run = ranked("q1", {"a", "z"});  // AP = 1/2
  run["q2"] = {{"z", 1.0}};                // AP = 0 -> counts as 1e-5
  const auto v = te::evaluate(qrels, run, {"gm_map", "map"});
  EXPECT_NEAR(v.aggregate.at("gm_map"), std::exp((std::log(0.5) + std::log(0.00001)) / 2.0), 1e-15);
  EXPECT_DOUBLE_EQ(v.aggregate.at("map"), 0.25);
  EXPECT_EQ(v.per_query.at("q1").count("gm_map"), 0u);  // trec_eval prints gm_map in the summary only
}

TEST(TrecEvalMeasures, RprecMultUsesTruncatedMultiplesOfR) {
  // R = 5: cutoffs (long)(m*5 + 0.9): 0.2 -> 1, 1.0 -> 5, 2.0 -> 10 (beyond the 6 retrieved).
  te::Qrels qrels{{"q", {{"r1", 1}, {"r2", 1}, {"r3", 1}, {"r4", 1}, {"r5", 1}}}};
  const auto v =
      te::evaluate(qrels, ranked("q", {"x", "r1", "r2", "y", "r3", "z"}), {"Rprec_mult.0.2,1.0,2.0"});
  EXPECT_DOUBLE_EQ(value(v, "q", "Rprec_mult_0.20"), 0.0);  // precision at rank 1
  EXPECT_DOUBLE_EQ(value(v, "q", "Rprec_mult_1.00"), 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(value(v, "q", "Rprec_mult_2.00"), 3.0 / 10.0);  // padded with nonrelevant
}

TEST(TrecEvalMeasures, UtilityAndRelativePrecision) {
  te::Qrels qrels{{"q", {{"r1", 1}, {"r2", 1}, {"r3", 1}, {"n", 0}}}};
  const auto v = te::evaluate(qrels, ranked("q", {"r1", "n", "x", "r2"}),
                              {"utility", "relative_P.2,10", "set_relative_P", "set_F"});
  EXPECT_DOUBLE_EQ(value(v, "q", "utility"), 2.0 - 2.0);        // a - b with defaults 1,-1,0,0
  EXPECT_DOUBLE_EQ(value(v, "q", "relative_P_2"), 1.0 / 2.0);   // 1 rel in top 2, min(2, R=3)
  EXPECT_DOUBLE_EQ(value(v, "q", "relative_P_10"), 2.0 / 3.0);  // min(10, R=3)
  EXPECT_DOUBLE_EQ(value(v, "q", "set_relative_P"), 2.0 / 3.0);
  const double P = 2.0 / 4.0, R = 2.0 / 3.0;
  EXPECT_DOUBLE_EQ(value(v, "q", "set_F"), 2 * P * R / (P + R));
  const auto w = te::evaluate(qrels, ranked("q", {"r1", "n", "x", "r2"}), {"utility.2,-1,-0.5,0"});
  EXPECT_DOUBLE_EQ(value(w, "q", "utility_2,-1,-0.5,0"), 2.0 * 2 - 1.0 * 2 - 0.5 * 1);
}

TEST(TrecEvalMeasures, NdcgUsesGradedGainsAndIgnoresRelevanceLevel) {
  te::Qrels qrels{{"q", {{"a", 2}, {"b", 1}, {"c", 0}}}};
  const auto run = ranked("q", {"b", "a", "c"});
  const double dcg = 1.0 / std::log2(2.0) + 2.0 / std::log2(3.0);
  const double idcg = 2.0 / std::log2(2.0) + 1.0 / std::log2(3.0);
  for (long level : {1L, 2L}) {
    te::EvaluateOptions opts;
    opts.relevance_level = level;
    const auto v = te::evaluate(qrels, run, {"ndcg", "ndcg_cut.1,3"}, opts);
    EXPECT_DOUBLE_EQ(value(v, "q", "ndcg"), dcg / idcg);
    EXPECT_DOUBLE_EQ(value(v, "q", "ndcg_cut_3"), dcg / idcg);
    EXPECT_DOUBLE_EQ(value(v, "q", "ndcg_cut_1"), 1.0 / 2.0);
  }
  // Gains given per level: level 1 worth 3.
  const auto g = te::evaluate(qrels, run, {"ndcg.1=3"});
  EXPECT_DOUBLE_EQ(value(g, "q", "ndcg_1=3"), (3.0 + 2.0 / std::log2(3.0)) / (3.0 + 2.0 / std::log2(3.0)));
}

TEST(TrecEvalMeasures, InterpolatedPrecisionRoundsRecallLevelsToNearestCount) {
  // R = 4. trec_eval 10 turns a recall level into a number of relevant documents by rounding:
  // 0.1 -> round(0.4) = 0 (the maximum over the whole list), 0.6 -> round(2.4) = 2 (trec_eval 9's
  // "+0.9" gave 3), 0.75 -> 3, 1.0 -> 4.
  te::Qrels qrels{{"q", {{"r1", 1}, {"r2", 1}, {"r3", 1}, {"r4", 1}}}};
  const auto v = te::evaluate(qrels, ranked("q", {"r1", "r2", "x", "y", "z", "w", "r3"}),
                              {"iprec_at_recall.0.1,0.6,0.75,1.0", "11pt_avg.0.6,0.75"});
  EXPECT_DOUBLE_EQ(value(v, "q", "iprec_at_recall_0.10"), 1.0);
  EXPECT_DOUBLE_EQ(value(v, "q", "iprec_at_recall_0.60"), 1.0);        // max precision from r2 on
  EXPECT_DOUBLE_EQ(value(v, "q", "iprec_at_recall_0.75"), 3.0 / 7.0);  // from r3 on
  EXPECT_DOUBLE_EQ(value(v, "q", "iprec_at_recall_1.00"), 0.0);        // r4 never retrieved
  EXPECT_DOUBLE_EQ(value(v, "q", "11pt_avg_0.6,0.75"), (1.0 + 3.0 / 7.0) / 2.0);
}

TEST(TrecEvalMeasures, CompleteFlagCountsMissingQueriesAsZero) {
  te::Qrels qrels{{"q1", {{"a", 1}}}, {"q2", {{"b", 1}, {"c", 1}}}};
  const auto run = ranked("q1", {"a", "x"});
  te::EvaluateOptions complete;
  complete.complete = true;
  const std::vector<std::string> ms = {"num_q", "num_ret", "num_rel", "map",
                                       "P.1",   "utility", "gm_map",  "unj.1"};
  const auto without = te::evaluate(qrels, run, ms);
  const auto with = te::evaluate(qrels, run, ms, complete);
  EXPECT_EQ(without.aggregate.at("num_q"), 1.0);
  EXPECT_EQ(with.aggregate.at("num_q"), 2.0);
  EXPECT_EQ(with.aggregate.at("num_ret"), 2.0);  // the missing query retrieves nothing
  EXPECT_EQ(with.aggregate.at("num_rel"), 3.0);  // but its relevant documents count
  EXPECT_DOUBLE_EQ(with.aggregate.at("map"), without.aggregate.at("map") / 2.0);
  EXPECT_DOUBLE_EQ(with.aggregate.at("utility"), without.aggregate.at("utility") / 2.0);
  EXPECT_NEAR(with.aggregate.at("gm_map"), std::exp((std::log(1.0) + std::log(0.00001)) / 2.0), 1e-15);
  ASSERT_EQ(with.per_query.count("q2"), 1u);
  EXPECT_EQ(value(with, "q2", "num_ret"), 0.0);
  EXPECT_EQ(value(with, "q2", "utility"), 0.0);
  EXPECT_EQ(value(with, "q2", "unj_1"), 0.0);
  EXPECT_EQ(value(with, "q2", "P_1"), 0.0);
  // An empty result list is the same as no line for the query in a run file.
  auto run_with_empty = run;
  run_with_empty["q2"] = {};
  EXPECT_EQ(te::evaluate(qrels, run_with_empty, ms).aggregate, without.aggregate);
  EXPECT_EQ(te::evaluate(qrels, run_with_empty, ms, complete).aggregate, with.aggregate);
}

TEST(TrecEvalMeasures, MaxDocsTruncatesAfterRanking) {
  te::Qrels qrels{{"q", {{"a", 1}, {"b", 1}}}};
  // File order differs from rank order: -M keeps the 2 best-scored documents (a, x), not the first 2 lines.
  const auto run = one_query_run("q", {{"b", 1.0}, {"y", 2.0}, {"a", 9.0}, {"x", 5.0}});
  te::EvaluateOptions opts;
  opts.max_docs_per_query = 2;
  const auto v = te::evaluate(qrels, run, {"num_ret", "num_rel_ret", "map", "P.10"}, opts);
  EXPECT_EQ(value(v, "q", "num_ret"), 2.0);
  EXPECT_EQ(value(v, "q", "num_rel_ret"), 1.0);
  EXPECT_DOUBLE_EQ(value(v, "q", "map"), 0.5);
  EXPECT_DOUBLE_EQ(value(v, "q", "P_10"), 0.1);
}

TEST(TrecEvalMeasures, DuplicateDocumentsAreRejectedOnlyWithinTheEvaluatedPrefix) {
  te::Qrels qrels{{"q", {{"a", 1}}}};
  const auto run = one_query_run("q", {{"a", 3.0}, {"b", 2.0}, {"b", 1.0}});
  EXPECT_THROW(te::evaluate(qrels, run, {"map"}), rerank::Error);
  te::EvaluateOptions opts;
  opts.max_docs_per_query = 2;
  EXPECT_NO_THROW(te::evaluate(qrels, run, {"map"}, opts));
}

TEST(TrecEvalMeasures, MeasureNamesInBothForms) {
  EXPECT_EQ(te::measure_argument("ndcg_cut_10"), "ndcg_cut.10");
  EXPECT_EQ(te::measure_argument("recall_100"), "recall.100");
  EXPECT_EQ(te::measure_argument("P_10"), "P.10");
  EXPECT_EQ(te::measure_argument("iprec_at_recall_0.10"), "iprec_at_recall.0.10");
  EXPECT_EQ(te::measure_argument("map"), "map");
  EXPECT_EQ(te::measure_argument("ndcg_cut.5"), "ndcg_cut.5");
  EXPECT_THROW(te::measure_argument("nonsense_5"), rerank::Error);

  te::Qrels qrels{{"q", {{"a", 1}}}};
  const auto v = te::evaluate(qrels, ranked("q", {"x", "a"}), {"ndcg_cut_10", "ndcg_cut.100", "recip_rank"});
  EXPECT_EQ(v.names, (std::vector<std::string>{"recip_rank", "ndcg_cut_10", "ndcg_cut_100"}));
  EXPECT_DOUBLE_EQ(v.aggregate.at("recip_rank"), 0.5);
}

TEST(TrecEvalMeasures, ErrorsForUnknownMeasuresAndNoCommonQueries) {
  te::Qrels qrels{{"q", {{"a", 1}}}};
  EXPECT_THROW(te::evaluate(qrels, ranked("q", {"a"}), {"P.0"}), rerank::Error);
  EXPECT_THROW(te::evaluate(qrels, ranked("q", {"a"}), {"P.abc"}), rerank::Error);
  EXPECT_THROW(te::evaluate(qrels, ranked("other", {"a"}), {"map"}), rerank::Error);
  try {
    te::evaluate(qrels, ranked("q", {"a"}), {"bogus_measure"});
    FAIL();
  } catch (const rerank::Error& e) {
    EXPECT_EQ(e.code(), rerank::ErrorCode::InvalidArgument);
  }
}
