// TREC qrels/run readers and the run writer.
#include <sstream>

#include <gtest/gtest.h>

#include "eval/trec_eval/evaluate.hpp"
#include "eval/trec_eval/trec_files.hpp"
#include "rerank/error.hpp"

namespace te = rerank::eval::trec_eval;

TEST(TrecEvalFiles, QrelsCommentsBlankLinesCrlfAndNegativeRelevance) {
  std::istringstream in("# a comment\n301 0 d1 1\r\n\n  301 0 d2 0\n301 0 d3 -1\n302\t0\td9\t2.0\n");
  const auto q = te::parse_qrels(in, "q.txt");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q.at("301").at("d1"), 1);
  EXPECT_EQ(q.at("301").at("d2"), 0);
  EXPECT_EQ(q.at("301").at("d3"), -1);
  EXPECT_EQ(q.at("302").at("d9"), 2);  // atol-style: "2.0" -> 2
}

TEST(TrecEvalFiles, QrelsErrorsNameFileAndLine) {
  auto expect_error = [](const std::string& text, const std::string& where) {
    std::istringstream in(text);
    try {
      te::parse_qrels(in, "q.txt");
      FAIL() << "no error for: " << text;
    } catch (const rerank::Error& e) {
      EXPECT_EQ(e.code(), rerank::ErrorCode::InvalidInput);
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  };
  expect_error("1 0 d 1\n1 0 d\n", "q.txt:2");
  expect_error("1 0 d 1 extra\n", "q.txt:1");
  expect_error("1 0 d x\n", "q.txt:1");
  expect_error("1 0 d 1\n1 0 d 0\n", "q.txt:2");  // judged twice
}

TEST(TrecEvalFiles, RunFieldsRunIdAndErrors) {
  std::istringstream in(
      "301 Q0 a 1 2.5 runA\n\n# c\n301 Q0 b 2 1e-3 runB trailing junk\n302 Q0 c 1 -4 runC\n");
  std::string run_id;
  const auto r = te::parse_run(in, "r.txt", &run_id);
  EXPECT_EQ(run_id, "runC");  // the last line's, as trec_eval reports
  ASSERT_EQ(r.at("301").size(), 2u);
  EXPECT_EQ(r.at("301")[1].docid, "b");
  EXPECT_DOUBLE_EQ(r.at("301")[1].score, 0.001);
  EXPECT_DOUBLE_EQ(r.at("302")[0].score, -4.0);

  std::istringstream bad("301 Q0 a 1 2.5 runA\n301 Q0 b 2 1.0\n");
  try {
    te::parse_run(bad, "r.txt");
    FAIL();
  } catch (const rerank::Error& e) {
    EXPECT_EQ(e.code(), rerank::ErrorCode::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("r.txt:2"), std::string::npos) << e.what();
  }
  std::istringstream bad_score("301 Q0 a 1 high runA\n");
  EXPECT_THROW(te::parse_run(bad_score, "r.txt"), rerank::Error);
  EXPECT_THROW(te::read_run("/nonexistent/run.txt"), rerank::Error);
}

TEST(TrecEvalFiles, WrittenRunsKeepTrecEvalRanking) {
  te::Run run;
  run["q1"] = {{"a", 0.5}, {"b", 0.9}, {"c", 0.5}, {"d", 0.1 + 0.2}};
  run["q0"] = {{"z", 1.0}};
  std::ostringstream out;
  te::write_run(out, run, "myrun");
  EXPECT_EQ(out.str(),
            "q0 Q0 z 1 1 myrun\n"
            "q1 Q0 b 1 0.9 myrun\n"
            "q1 Q0 c 2 0.5 myrun\n"  // tie with a: docno descending
            "q1 Q0 a 3 0.5 myrun\n"
            "q1 Q0 d 4 0.30000000000000004 myrun\n");  // round-trips exactly
  std::istringstream back(out.str());
  std::string id;
  const auto reread = te::parse_run(back, "w", &id);
  EXPECT_EQ(id, "myrun");
  te::Qrels qrels{{"q1", {{"a", 1}, {"d", 2}}}, {"q0", {{"z", 1}}}};
  const auto before = te::evaluate(qrels, run, {"all_trec"});
  const auto after = te::evaluate(qrels, reread, {"all_trec"});
  EXPECT_EQ(before.aggregate, after.aggregate);
  EXPECT_EQ(before.per_query, after.per_query);
}

TEST(TrecEvalFiles, WriterRejectsIdsThatWouldBreakColumns) {
  te::Run run;
  run["q 1"] = {{"a", 1.0}};
  std::ostringstream out;
  EXPECT_THROW(te::write_run(out, run, "r"), rerank::Error);
  te::Run ok;
  ok["q1"] = {{"a", 1.0}};
  EXPECT_THROW(te::write_run(out, ok, "my run"), rerank::Error);
  EXPECT_NO_THROW(te::write_run(out, ok, ""));  // empty run id -> "rerank"
}
