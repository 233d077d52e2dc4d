// `rerank trec-eval` against NIST trec_eval's own test suite (../shared/trec_eval): the four
// quicktest commands with expected outputs must match byte for byte; -c and -M (no expected
// files) are checked against values computed here from first principles and invariants.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace rt = rerank::testing;

namespace {

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

std::vector<std::string> split_ws(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string f;
  while (in >> f) out.push_back(f);
  return out;
}

// ---- An independent, deliberately simple evaluator for a few measures ----------------------
struct Doc {
  std::string docno;
  double score;
};
using SimpleQrels = std::map<std::string, std::map<std::string, int>>;
using SimpleRun = std::map<std::string, std::vector<Doc>>;

SimpleQrels load_qrels(const std::filesystem::path& p) {
  SimpleQrels q;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split_ws(line);
    if (f.size() == 4) q[f[0]][f[2]] = std::stoi(f[3]);
  }
  return q;
}

SimpleRun load_run(const std::filesystem::path& p) {
  SimpleRun r;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split_ws(line);
    if (f.size() >= 6) r[f[0]].push_back({f[2], std::stod(f[4])});
  }
  for (auto& [qid, docs] : r) {
    std::sort(docs.begin(), docs.end(), [](const Doc& a, const Doc& b) {
      return a.score != b.score ? a.score > b.score : a.docno > b.docno;
    });
  }
  return r;
}

struct Basic {
  double num_ret = 0, num_rel = 0, num_rel_ret = 0, ap = 0, p10 = 0, p1000 = 0, recall1000 = 0, rr = 0;
};

Basic basic_measures(const std::map<std::string, int>& judged, std::vector<Doc> docs, std::size_t max_docs) {
  if (docs.size() > max_docs) docs.resize(max_docs);
  Basic b;
  for (const auto& [d, rel] : judged) b.num_rel += rel >= 1;
  b.num_ret = static_cast<double>(docs.size());
  double found = 0, sum_prec = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const auto it = judged.find(docs[i].docno);
    if (it == judged.end() || it->second < 1) continue;
    ++found;
    sum_prec += found / static_cast<double>(i + 1);
    if (b.rr == 0) b.rr = 1.0 / static_cast<double>(i + 1);
    if (i < 10) b.p10 += 1;
    if (i < 1000) {
      b.p1000 += 1;
      b.recall1000 += 1;
    }
  }
  b.num_rel_ret = found;
  b.ap = b.num_rel > 0 ? sum_prec / b.num_rel : 0;
  b.p10 /= 10.0;
  b.p1000 /= 1000.0;
  b.recall1000 = b.num_rel > 0 ? b.recall1000 / b.num_rel : 0;
  return b;
}

std::string line(const std::string& name, const std::string& qid, double v) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-22s\t%s\t%6.4f\n", name.c_str(), qid.c_str(), v);
  return buf;
}
std::string int_line(const std::string& name, const std::string& qid, double v) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-22s\t%s\t%ld\n", name.c_str(), qid.c_str(), static_cast<long>(v));
  return buf;
}

// Expected lines of `-q -c [-M max]` for the measures above, computed independently.
std::vector<std::string> expected_complete_lines(const SimpleQrels& qrels, const SimpleRun& run,
                                                 std::size_t max) {
  std::vector<std::string> lines;
  Basic sum;
  for (const auto& [qid, judged] : qrels) {
    const auto it = run.find(qid);
    const Basic b = basic_measures(judged, it == run.end() ? std::vector<Doc>{} : it->second, max);
    lines.push_back(int_line("num_ret", qid, b.num_ret));
    lines.push_back(int_line("num_rel", qid, b.num_rel));
    lines.push_back(int_line("num_rel_ret", qid, b.num_rel_ret));
    lines.push_back(line("map", qid, b.ap));
    lines.push_back(line("recip_rank", qid, b.rr));
    lines.push_back(line("P_10", qid, b.p10));
    lines.push_back(line("recall_1000", qid, b.recall1000));
    sum.num_ret += b.num_ret;
    sum.num_rel += b.num_rel;
    sum.num_rel_ret += b.num_rel_ret;
    sum.ap += b.ap;
    sum.rr += b.rr;
    sum.p10 += b.p10;
    sum.p1000 += b.p1000;
    sum.recall1000 += b.recall1000;
  }
  const double n = static_cast<double>(qrels.size());  // -c: every qrels query counts
  lines.push_back(int_line("num_q", "all", n));
  lines.push_back(int_line("num_ret", "all", sum.num_ret));
  lines.push_back(int_line("num_rel", "all", sum.num_rel));
  lines.push_back(int_line("num_rel_ret", "all", sum.num_rel_ret));
  lines.push_back(line("map", "all", sum.ap / n));
  lines.push_back(line("recip_rank", "all", sum.rr / n));
  lines.push_back(line("P_10", "all", sum.p10 / n));
  lines.push_back(line("P_1000", "all", sum.p1000 / n));
  lines.push_back(line("recall_1000", "all", sum.recall1000 / n));
  return lines;
}

void expect_contains_lines(const std::string& out, const std::vector<std::string>& lines) {
  for (const auto& l : lines) EXPECT_NE(out.find(l), std::string::npos) << "missing line: " << l;
}

}  // namespace

// Every quicktest command whose expected output is shipped in ../shared/trec_eval.
TEST(TrecEvalCli, QuicktestCommandsMatchByteForByte) {
  RERANK_REQUIRE_SHARED(dir, "trec_eval");
  std::ifstream commands(dir / "quicktest_commands.txt");
  ASSERT_TRUE(commands) << "quicktest_commands.txt missing";
  const std::vector<std::string> wanted = {"out.test", "out.test.a", "out.test.aq", "out.test.aql"};
  std::set<std::string> checked;
  std::string text;
  while (std::getline(commands, text)) {
    const auto pipe = text.find('|');
    const auto start = text.find("./trec_eval ");
    if (pipe == std::string::npos || start == std::string::npos) continue;
    const auto diff_fields = split_ws(text.substr(pipe + 1));
    if (diff_fields.size() != 3 || diff_fields[0] != "diff") continue;
    const std::string expected_name = std::filesystem::path(diff_fields[2]).filename().string();
    if (std::find(wanted.begin(), wanted.end(), expected_name) == wanted.end()) continue;
    std::string args;
    bool inputs_present = true;
    for (const auto& f : split_ws(text.substr(start + 12, pipe - start - 12))) {
      if (f.rfind("test/", 0) == 0) {
        const auto path = dir / f.substr(5);
        inputs_present = inputs_present && std::filesystem::exists(path);
        args += " " + quoted(path);
      } else {
        args += " " + f;
      }
    }
    if (!inputs_present) continue;  // e.g. qrels.test.with-comments is not shipped
    SCOPED_TRACE(text);
    const auto result = rt::run_cli("trec-eval" + args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(result.out == rt::read_file(dir / expected_name)) << "output differs from " << expected_name;
    checked.insert(expected_name);
  }
  EXPECT_EQ(checked.size(), wanted.size()) << "not every expected output had a runnable command";
}

// -c: qrels query 302 has no results in results.trunc; it is printed with -q and counts as 0.
TEST(TrecEvalCli, CompleteFlagMatchesFirstPrinciples) {
  RERANK_REQUIRE_SHARED(dir, "trec_eval");
  const auto qrels = load_qrels(dir / "qrels.test");
  const auto run = load_run(dir / "results.trunc");
  ASSERT_EQ(qrels.size(), 3u);
  ASSERT_EQ(run.count("302"), 0u);
  const auto r = rt::run_cli(
      "trec-eval -q -c -m num_q -m num_ret -m num_rel -m num_rel_ret -m map -m recip_rank "
      "-m P.10,1000 -m recall.1000 " +
      quoted(dir / "qrels.test") + " " + quoted(dir / "results.trunc"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_contains_lines(r.out, expected_complete_lines(qrels, run, SIZE_MAX));
  // Without -c the missing query is simply not evaluated.
  const auto plain =
      rt::run_cli("trec-eval -q " + quoted(dir / "qrels.test") + " " + quoted(dir / "results.trunc"));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("\t302\t"), std::string::npos);
  EXPECT_NE(plain.out.find(int_line("num_q", "all", 2)), std::string::npos);
}

// -M100: each query is cut to its 100 best-ranked documents before any measure.
TEST(TrecEvalCli, MaxRetrievedMatchesFirstPrinciplesAndTruncatedRun) {
  RERANK_REQUIRE_SHARED(dir, "trec_eval");
  const auto qrels = load_qrels(dir / "qrels.test");
  const auto run = load_run(dir / "results.trunc");
  for (const char* m : {"-M100", "-M 100", "--Max_retrieved_per_topic=100"}) {
    const auto r =
        rt::run_cli(std::string("trec-eval -q -c ") + m +
                    " -m num_q -m num_ret -m num_rel -m num_rel_ret -m map -m recip_rank -m P.10,1000"
                    " -m recall.1000 " +
                    quoted(dir / "qrels.test") + " " + quoted(dir / "results.trunc"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_contains_lines(r.out, expected_complete_lines(qrels, run, 100));
  }
  // Every all_trec value with -M100 equals the values for a run file holding only those 100.
  rt::TempDir tmp;
  std::string truncated;
  for (const auto& [qid, docs] : run) {
    for (std::size_t i = 0; i < docs.size() && i < 100; ++i) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s Q0 %s %zu %.17g STANDARD\n", qid.c_str(), docs[i].docno.c_str(),
                    i + 1, docs[i].score);
      truncated += buf;
    }
  }
  rt::write_file(tmp / "run.top100", truncated);
  const auto with_m = rt::run_cli("trec-eval -m all_trec -q -c -M100 " + quoted(dir / "qrels.test") + " " +
                                  quoted(dir / "results.trunc"));
  const auto cut = rt::run_cli("trec-eval -m all_trec -q -c " + quoted(dir / "qrels.test") + " " +
                               quoted(tmp / "run.top100"));
  ASSERT_EQ(with_m.exit_code, 0) << with_m.err;
  ASSERT_EQ(cut.exit_code, 0) << cut.err;
  EXPECT_EQ(with_m.out, cut.out);
  EXPECT_NE(with_m.out.find(int_line("num_ret", "301", 100)), std::string::npos);
}

TEST(TrecEvalCli, OptionSyntaxVariantsAreEquivalent) {
  RERANK_REQUIRE_SHARED(dir, "trec_eval");
  const std::string files = quoted(dir / "qrels.rel_level") + " " + quoted(dir / "results.test");
  const auto base = rt::run_cli("trec-eval -q -l2 -m ndcg_cut.5,10 -m P.5 " + files);
  ASSERT_EQ(base.exit_code, 0) << base.err;
  for (const std::string& variant :
       {"-q -l 2 -mndcg_cut.5,10 -mP.5 " + files, "-ql2 -m ndcg_cut.5,10 -m P.5 " + files,
        files + " -q --level_for_rel=2 --measure ndcg_cut.5,10 --meas=P.5",
        "-q -l2 -m ndcg_cut.10,5 -m P.5 -- " + files}) {
    const auto r = rt::run_cli("trec-eval " + variant);
    EXPECT_EQ(r.exit_code, 0) << variant << ": " << r.err;
    EXPECT_EQ(r.out, base.out) << variant;
  }
  EXPECT_NE(base.out.find("ndcg_cut_5            \t301\t"), std::string::npos);
  // -n drops the summary; the run can come from standard input.
  const auto nosum = rt::run_cli("trec-eval -n -q -m map " + quoted(dir / "qrels.test") + " -",
                                 rt::read_file(dir / "results.test"));
  ASSERT_EQ(nosum.exit_code, 0) << nosum.err;
  EXPECT_EQ(nosum.out.find("\tall\t"), std::string::npos);
  EXPECT_NE(nosum.out.find("map                   \t302\t0.4175\n"), std::string::npos);
}

TEST(TrecEvalCli, ErrorsNameTheFileAndLine) {
  rt::TempDir tmp;
  rt::write_file(tmp / "qrels", "q1 0 d1 1\nq1 0 d2\n");
  rt::write_file(tmp / "run", "q1 Q0 d1 1 2.0 r\n");
  auto r = rt::run_cli("trec-eval " + quoted(tmp / "qrels") + " " + quoted(tmp / "run"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find((tmp / "qrels").string() + ":2"), std::string::npos) << r.err;

  rt::write_file(tmp / "qrels", "q1 0 d1 1\n");
  rt::write_file(tmp / "run", "q1 Q0 d1 1 2.0 r\nq1 Q0 d2 2 abc r\n");
  r = rt::run_cli("trec-eval " + quoted(tmp / "qrels") + " " + quoted(tmp / "run"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find((tmp / "run").string() + ":2"), std::string::npos) << r.err;

  rt::write_file(tmp / "run", "q1 Q0 d1 1 2.0 r\nq1 Q0 d1 2 1.0 r\n");
  r = rt::run_cli("trec-eval " + quoted(tmp / "qrels") + " " + quoted(tmp / "run"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("more than once"), std::string::npos) << r.err;

  r = rt::run_cli("trec-eval " + quoted(tmp / "qrels") + " " + quoted(tmp / "missing"));
  EXPECT_EQ(r.exit_code, 3);

  rt::write_file(tmp / "run", "q1 Q0 d1 1 2.0 r\n");
  r = rt::run_cli("trec-eval -m no_such_measure " + quoted(tmp / "qrels") + " " + quoted(tmp / "run"));
  EXPECT_EQ(r.exit_code, 2);
  r = rt::run_cli("trec-eval -x " + quoted(tmp / "qrels") + " " + quoted(tmp / "run"));
  EXPECT_EQ(r.exit_code, 2);
  r = rt::run_cli("trec-eval " + quoted(tmp / "qrels"));
  EXPECT_EQ(r.exit_code, 2);

  r = rt::run_cli("trec-eval -h");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("ndcg_cut"), std::string::npos);
}
