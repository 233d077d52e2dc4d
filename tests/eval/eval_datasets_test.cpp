// Dataset readers: compressed files, tar archives, HTML text, BEIR, TREC, SMART and CACM.
#include <set>

#include <gtest/gtest.h>

#include "eval/datasets/beir.hpp"
#include "eval/datasets/cacm.hpp"
#include "eval/datasets/compressed_file.hpp"
#include "eval/datasets/dataset_loader.hpp"
#include "eval/datasets/html_text.hpp"
#include "eval/datasets/qrels_reader.hpp"
#include "eval/datasets/smart.hpp"
#include "eval/datasets/tar_reader.hpp"
#include "eval/datasets/trec.hpp"
#include "eval_test_util.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::eval {
namespace {

using rerank::testing::TempDir;
using rerank::testing::write_file;

std::vector<CorpusDocument> collect(const std::function<void(const DocumentSink&)>& read) {
  std::vector<CorpusDocument> docs;
  read([&](CorpusDocument&& d) { docs.push_back(std::move(d)); });
  return docs;
}

TEST(CompressedFile, ReadsPlainAndGzipLinesWithCrlfAndNoFinalNewline) {
  TempDir dir;
  std::string long_line(200000, 'x');  // longer than the read chunk
  const std::string content = "first\r\nsecond\n\n" + long_line + "\nlast";
  write_file(dir / "plain.txt", content);
  testutil::write_gzip(dir / "packed.txt.gz", content);
  for (const char* name : {"plain.txt", "packed.txt.gz"}) {
    CompressedFile f(dir / name);
    std::vector<std::string> lines;
    for (std::string line; f.next_line(line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 5u) << name;
    EXPECT_EQ(lines[0], "first");
    EXPECT_EQ(lines[1], "second");
    EXPECT_EQ(lines[2], "");
    EXPECT_EQ(lines[3], long_line);
    EXPECT_EQ(lines[4], "last");
  }
  EXPECT_EQ(read_compressed_file(dir / "packed.txt.gz"), content);
}

TEST(CompressedFile, MissingFileIsNotFound) {
  try {
    CompressedFile f("/nonexistent/file.gz");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

TEST(TarReader, ReadsRegularFilesPrefixesAndGnuLongNames) {
  TempDir dir;
  const std::string long_name = std::string(120, 'n') + ".html";
  std::string tar = testutil::tar_member("a.txt", "alpha") + testutil::tar_member("sub/", "", '5') +
                    testutil::tar_member("b.txt", std::string(1000, 'b'), '0', "deep/dir") +
                    testutil::tar_member("././@LongLink", long_name + std::string(1, '\0'), 'L') +
                    testutil::tar_member(long_name.substr(0, 100), "long") + std::string(1024, '\0');
  testutil::write_gzip(dir / "x.tar.gz", tar);
  std::vector<std::pair<std::string, std::string>> seen;
  for_each_tar_file(dir / "x.tar.gz", [&](TarEntry& e) {
    seen.emplace_back(e.name, e.content);
    return true;
  });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(std::string("a.txt"), std::string("alpha")));
  EXPECT_EQ(seen[1].first, "deep/dir/b.txt");
  EXPECT_EQ(seen[1].second, std::string(1000, 'b'));
  EXPECT_EQ(seen[2].first, long_name);
  EXPECT_EQ(tar_base_name("deep/dir/b.txt"), "b.txt");
}

TEST(TarReader, TruncatedArchiveIsAnInputError) {
  TempDir dir;
  std::string tar = testutil::tar_member("a.txt", std::string(2000, 'a'));
  tar.resize(1024);  // header + part of the content
  testutil::write_gzip(dir / "t.tar.gz", tar);
  try {
    for_each_tar_file(dir / "t.tar.gz", [](TarEntry&) { return true; });
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
  }
}

TEST(HtmlText, StripsTagsScriptsCommentsAndDecodesReferences) {
  EXPECT_EQ(html_to_text("<html><pre>\n\nA &amp; B&lt;C&gt;\n  x&#65;&#x42;</pre></html>"), "A & B<C> xAB");
  EXPECT_EQ(html_to_text("one<script>var x = '<b>';</script>two<!-- hidden -->three"), "one two three");
  EXPECT_EQ(html_to_text("a<br>b&unknown;c"), "a b&unknown;c");
  EXPECT_EQ(html_to_text("no tags"), "no tags");
  EXPECT_EQ(html_to_text("<p>unterminated <b"), "unterminated");
}

TEST(Beir, ReadsCorpusQueriesAndQrelsWithHeader) {
  TempDir dir;
  testutil::write_gzip(dir / "corpus.jsonl.gz",
                       "{\"_id\": \"d1\", \"title\": \"T1\", \"text\": \"body one\"}\n"
                       "\n"
                       "{\"_id\": 7, \"text\": \"no title\"}\n");
  write_file(dir / "queries.test.jsonl", "{\"_id\": \"q1\", \"text\": \"first query\", \"metadata\": {}}\n");
  write_file(dir / "queries.jsonl", "{\"_id\": \"q9\", \"text\": \"not this one\"}\n");
  std::filesystem::create_directories(dir / "qrels");
  write_file(dir / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\t7\t0\n");
  ASSERT_TRUE(is_beir_dir(dir.path()));
  Dataset ds = open_dataset(dir.path());
  EXPECT_EQ(ds.format, "beir");
  const auto docs = collect(ds.read_corpus);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "d1");
  EXPECT_EQ(docs[0].contents(), "T1 body one");
  EXPECT_EQ(docs[1].id, "7");
  EXPECT_EQ(docs[1].contents(), "no title");
  ASSERT_EQ(ds.topics.size(), 1u);
  EXPECT_EQ(ds.topics[0].id, "q1");
  EXPECT_EQ(ds.qrels.at("q1").at("d1"), 1);
  EXPECT_EQ(ds.qrels.at("q1").at("7"), 0);
  EXPECT_FALSE(ds.corpus_fingerprint.empty());
}

TEST(Beir, MalformedLineNamesFileAndLine) {
  TempDir dir;
  write_file(dir / "corpus.jsonl", "{\"_id\": \"a\", \"text\": \"ok\"}\n{not json\n");
  try {
    read_beir_corpus(dir / "corpus.jsonl", [](CorpusDocument&&) {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("corpus.jsonl:2"), std::string::npos) << e.what();
  }
}

TEST(Beir, MissingSplitIsNotFound) {
  TempDir dir;
  write_file(dir / "corpus.jsonl", "{\"_id\": \"a\", \"text\": \"ok\"}\n");
  write_file(dir / "queries.jsonl", "{\"_id\": \"q\", \"text\": \"ok\"}\n");
  try {
    open_dataset(dir.path(), "dev");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

TEST(Qrels, TrecAndBeirLayouts) {
  TempDir dir;
  write_file(dir / "q.txt", "1 0 D1 2\r\n1 0 D2 0\n\n2 Q0 D3 1\n");
  const Judgments q = read_qrels_file(dir / "q.txt");
  EXPECT_EQ(q.at("1").at("D1"), 2);
  EXPECT_EQ(q.at("1").at("D2"), 0);
  EXPECT_EQ(q.at("2").at("D3"), 1);
  write_file(dir / "bad.txt", "1 0 D1 x\n1 0 D1 yes\n");
  EXPECT_THROW(read_qrels_file(dir / "bad.txt"), Error);
}

TEST(TrecTopics, ClassicVaswaniCacmAndTsvForms) {
  const auto classic = parse_trec_topics(
      "<top>\n<num> Number: 301\n<title> International Organized Crime\n\n<desc> Description:\nIdentify...\n</top>\n"
      "<top>\n<num> Number: 302 <title> Topic: Poliomyelitis and Post-Polio\n<desc> x\n</top>\n",
      "t");
  ASSERT_EQ(classic.size(), 2u);
  EXPECT_EQ(classic[0].id, "301");
  EXPECT_EQ(classic[0].text, "International Organized Crime");
  EXPECT_EQ(classic[1].id, "302");
  EXPECT_EQ(classic[1].text, "Poliomyelitis and Post-Polio");

  const auto vaswani = parse_trec_topics("<top>\n<num>1</num><title>\nMEASUREMENT OF DIELECTRIC\n</title>\n</top>\n", "v");
  ASSERT_EQ(vaswani.size(), 1u);
  EXPECT_EQ(vaswani[0].id, "1");
  EXPECT_EQ(vaswani[0].text, "MEASUREMENT OF DIELECTRIC");

  const auto cacm = parse_trec_topics("<DOC>\n<DOCNO> 2 </DOCNO>\n\n I am interested\n\nPrieve, B.\n</DOC>\n", "c");
  ASSERT_EQ(cacm.size(), 1u);
  EXPECT_EQ(cacm[0].id, "2");
  EXPECT_EQ(cacm[0].text, "I am interested Prieve, B.");

  const auto tsv = parse_trec_topics("1\tfirst query\r\n3\tthird\n", "tsv");
  ASSERT_EQ(tsv.size(), 2u);
  EXPECT_EQ(tsv[1].id, "3");
  EXPECT_EQ(tsv[1].text, "third");

  EXPECT_THROW(parse_trec_topics("nothing here", "x"), Error);
}

TEST(TrecCorpus, ReadsDocRecords) {
  TempDir dir;
  write_file(dir / "docs.trec",
             "<DOC>\n<DOCNO>1</DOCNO>\ncompact memories\nhave capacities\n</DOC>\n"
             "<DOC><DOCNO> D-2 </DOCNO><TEXT>one line &amp; tags</TEXT></DOC>\n");
  std::vector<CorpusDocument> docs;
  read_trec_corpus(dir / "docs.trec", [&](CorpusDocument&& d) { docs.push_back(std::move(d)); });
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "1");
  EXPECT_EQ(docs[0].text, "compact memories have capacities");
  EXPECT_EQ(docs[1].id, "D-2");
  EXPECT_EQ(docs[1].text, "one line & tags");
}

TEST(Smart, ParsesRecordsWithCrlfAndPicksTitleAndAbstract) {
  const std::string all =
      ".I 1\r\n.T\r\nDewey Decimal\r\n.A\r\nComaromi, J.P.\r\n.W\r\n   The present study\r\nis a history.\r\n"
      ".X\r\n1\t5\t1\r\n.I 2\r\n.W\r\nsecond doc\r\n";
  const auto records = parse_smart_records(all, "x.ALL");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].number, "1");
  EXPECT_EQ(smart_record_text(records[0]), "Dewey Decimal The present study is a history.");
  EXPECT_EQ(records[0].fields.at('A'), "Comaromi, J.P.");
  EXPECT_EQ(smart_record_text(records[1]), "second doc");
  EXPECT_THROW(parse_smart_records("stray text\n.I 1\n", "bad"), Error);
}

TEST(Smart, QueriesNumberedByPositionWhenIdsHaveGaps) {
  bool by_position = false;
  auto topics = smart_topics(parse_smart_records(".I 001\n.W\nfirst\n.I 002\n.W\nsecond\n.I 004\n.W\nthird\n", "q"), &by_position);
  EXPECT_TRUE(by_position);
  ASSERT_EQ(topics.size(), 3u);
  EXPECT_EQ(topics[2].id, "3");
  EXPECT_EQ(topics[2].text, "third");
  topics = smart_topics(parse_smart_records(".I 1\n.W\na\n.I 2\n.W\nb\n", "q"), &by_position);
  EXPECT_FALSE(by_position);
  EXPECT_EQ(topics[1].id, "2");
}

TEST(Smart, QrelsLayouts) {
  // Cranfield: code 1 (complete answer) .. 4 (minimum interest) -> grades 4..1; -1 -> 0.
  const Judgments cran = parse_smart_qrels("1 184 2 \n1 29 1\n225 1188 -1\n2 12 4\n", "cranqrel");
  EXPECT_EQ(cran.at("1").at("184"), 3);
  EXPECT_EQ(cran.at("1").at("29"), 4);
  EXPECT_EQ(cran.at("225").at("1188"), 0);
  EXPECT_EQ(cran.at("2").at("12"), 1);
  // CISI: "q d 0 0.000000", every pair relevant.
  const Judgments cisi = parse_smart_qrels("     1     28\t0\t0.000000\r\n", "CISI.REL");
  EXPECT_EQ(cisi.at("1").at("28"), 1);
  // MED.REL: TREC layout.
  const Judgments med = parse_smart_qrels("1 0 13 1\n", "MED.REL");
  EXPECT_EQ(med.at("1").at("13"), 1);
}

TEST(Cacm, DocidNormalisation) {
  EXPECT_EQ(normalize_cacm_docid("CACM-46"), "CACM-0046");
  EXPECT_EQ(normalize_cacm_docid("CACM-5"), "CACM-0005");
  EXPECT_EQ(normalize_cacm_docid("CACM-0046"), "CACM-0046");
  EXPECT_EQ(normalize_cacm_docid("CACM-3204"), "CACM-3204");
  EXPECT_EQ(normalize_cacm_docid("CACM-"), "CACM-");
  EXPECT_EQ(normalize_cacm_docid("CACM-4x"), "CACM-4x");
  EXPECT_EQ(normalize_cacm_docid("plain"), "plain");
}

TEST(Cacm, HtmlTarCorpus) {
  TempDir dir;
  testutil::write_gzip(dir / "c.tar.gz", testutil::tar_archive({{"CACM-0001.html", "<html><pre>\nAlgebraic Language\n</pre></html>"},
                                                                 {"._CACM-0001.html", "junk"},
                                                                 {"README", "not a document"}}));
  std::vector<CorpusDocument> docs;
  read_html_tar_corpus(dir / "c.tar.gz", [&](CorpusDocument&& d) { docs.push_back(std::move(d)); });
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].id, "CACM-0001");
  EXPECT_EQ(docs[0].text, "Algebraic Language");
}

TEST(DatasetLoader, UnknownFolderSaysWhatItExpects) {
  TempDir dir;
  write_file(dir / "readme.txt", "hello");
  try {
    open_dataset(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find("--corpus"), std::string::npos);
  }
}

// --- The real collections in ../shared/datasets ---

std::set<std::string> corpus_ids(const Dataset& ds) {
  std::set<std::string> ids;
  ds.read_corpus([&](CorpusDocument&& d) { ids.insert(d.id); });
  return ids;
}

std::size_t count_judgments(const Judgments& q) {
  std::size_t n = 0;
  for (const auto& [qid, docs] : q) n += docs.size();
  return n;
}

void expect_judged_docs_in_corpus(const Dataset& ds, const std::set<std::string>& ids) {
  std::size_t missing = 0;
  for (const auto& [qid, docs] : ds.qrels) {
    for (const auto& [docid, rel] : docs) missing += ids.count(docid) ? 0 : 1;
  }
  EXPECT_EQ(missing, 0u) << ds.name << ": judged documents missing from the corpus";
}

TEST(SharedDatasets, Cacm) {
  RERANK_REQUIRE_SHARED(dir, "datasets/cacm");
  const Dataset ds = open_dataset(dir);
  EXPECT_EQ(ds.format, "cacm");
  const auto ids = corpus_ids(ds);
  EXPECT_EQ(ids.size(), 3204u);
  EXPECT_TRUE(ids.count("CACM-0046"));
  EXPECT_EQ(ds.topics.size(), 64u);
  EXPECT_EQ(judged_topics(ds).size(), 52u);
  EXPECT_EQ(count_judgments(ds.qrels), 796u);
  ASSERT_FALSE(ds.notes.empty());
  EXPECT_NE(ds.notes[0].find("55 judged docids"), std::string::npos) << ds.notes[0];
  expect_judged_docs_in_corpus(ds, ids);
}

TEST(SharedDatasets, Cranfield) {
  RERANK_REQUIRE_SHARED(dir, "datasets/cranfield");
  const Dataset ds = open_dataset(dir);
  EXPECT_EQ(ds.format, "smart");
  const auto ids = corpus_ids(ds);
  EXPECT_EQ(ids.size(), 1400u);
  ASSERT_EQ(ds.topics.size(), 225u);
  EXPECT_EQ(ds.topics.back().id, "225");
  EXPECT_EQ(judged_topics(ds).size(), 225u);
  EXPECT_EQ(count_judgments(ds.qrels), 1837u);
  ASSERT_FALSE(ds.notes.empty());  // numbered by position
  expect_judged_docs_in_corpus(ds, ids);
}

TEST(SharedDatasets, CisiAndMedline) {
  RERANK_REQUIRE_SHARED(cisi_dir, "datasets/cisi");
  RERANK_REQUIRE_SHARED(med_dir, "datasets/med");
  const Dataset cisi = open_dataset(cisi_dir);
  const auto cisi_ids = corpus_ids(cisi);
  EXPECT_EQ(cisi_ids.size(), 1460u);
  EXPECT_EQ(cisi.topics.size(), 112u);
  EXPECT_EQ(judged_topics(cisi).size(), 76u);
  expect_judged_docs_in_corpus(cisi, cisi_ids);
  const Dataset med = open_dataset(med_dir);
  const auto med_ids = corpus_ids(med);
  EXPECT_EQ(med_ids.size(), 1033u);
  EXPECT_EQ(med.topics.size(), 30u);
  EXPECT_EQ(judged_topics(med).size(), 30u);
  expect_judged_docs_in_corpus(med, med_ids);
}

TEST(SharedDatasets, ScifactAndVaswani) {
  RERANK_REQUIRE_SHARED(scifact_dir, "datasets/scifact");
  RERANK_REQUIRE_SHARED(vaswani_dir, "datasets/vaswani");
  const Dataset scifact = open_dataset(scifact_dir);
  const auto scifact_ids = corpus_ids(scifact);
  EXPECT_EQ(scifact_ids.size(), 5183u);
  EXPECT_EQ(judged_topics(scifact).size(), 300u);
  expect_judged_docs_in_corpus(scifact, scifact_ids);
  const Dataset vaswani = open_dataset(vaswani_dir);
  EXPECT_EQ(vaswani.format, "trec");
  const auto vaswani_ids = corpus_ids(vaswani);
  EXPECT_EQ(vaswani_ids.size(), 11429u);
  EXPECT_EQ(vaswani.topics.size(), 93u);
  expect_judged_docs_in_corpus(vaswani, vaswani_ids);
}

}  // namespace
}  // namespace rerank::eval
