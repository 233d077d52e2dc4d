#include <sstream>

#include <gtest/gtest.h>

#include "io/document_reader.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::io {
namespace {

std::vector<Document> read(const std::string& text, DocsFormat format) {
  std::istringstream in(text);
  return read_documents(in, format, "input");
}

std::string error_of(const std::string& text, DocsFormat format) {
  try {
    read(text, format);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

TEST(DocumentReader, Jsonl) {
  auto docs = read(
      "{\"id\":\"a\",\"text\":\"first\",\"metadata\":{\"k\":1}}\n"
      "\n"
      "{\"id\":7,\"text\":\"second\"}\r\n"
      "{\"text\":\"third\"}\n",
      DocsFormat::Jsonl);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].id, "a");
  EXPECT_EQ(docs[0].metadata["k"], 1);
  EXPECT_EQ(docs[1].id, "7");
  EXPECT_EQ(docs[1].text, "second");
  EXPECT_EQ(docs[2].id, "4");  // the line number
  EXPECT_TRUE(docs[2].metadata.is_object());
}

TEST(DocumentReader, JsonlErrorsNameTheLine) {
  EXPECT_NE(error_of("{\"text\":\"ok\"}\n{\"text\": broken\n", DocsFormat::Jsonl).find("input:2:"), std::string::npos);
  EXPECT_NE(error_of("{\"id\":\"x\"}\n", DocsFormat::Jsonl).find("\"text\""), std::string::npos);
  EXPECT_NE(error_of("[1,2]\n", DocsFormat::Jsonl).find("input:1:"), std::string::npos);
  EXPECT_NE(error_of("{\"text\":\"a\",\"metadata\":[1]}\n", DocsFormat::Jsonl).find("metadata"), std::string::npos);
  EXPECT_NE(error_of("{\"text\":\"a\",\"id\":1.5}\n", DocsFormat::Jsonl).find("\"id\""), std::string::npos);
  EXPECT_NE(error_of("{\"text\":3}\n", DocsFormat::Jsonl).find("input:1:"), std::string::npos);
}

TEST(DocumentReader, Tsv) {
  auto docs = read("a\tfirst doc\nb\tsecond\twith tab\r\n\n", DocsFormat::Tsv);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "a");
  EXPECT_EQ(docs[1].text, "second\twith tab");
  EXPECT_NE(error_of("a\tok\nno tab here\n", DocsFormat::Tsv).find("input:2:"), std::string::npos);
  EXPECT_NE(error_of("\tmissing id\n", DocsFormat::Tsv).find("input:1:"), std::string::npos);
}

TEST(DocumentReader, Lines) {
  auto docs = read("\xEF\xBB\xBF" "first line\n\nthird line\r\n", DocsFormat::Lines);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].text, "first line");  // BOM dropped
  EXPECT_EQ(docs[1].id, "3");
  EXPECT_EQ(docs[1].text, "third line");
}

TEST(DocumentReader, InvalidUtf8NamesTheLineInEveryFormat) {
  for (DocsFormat f : {DocsFormat::Jsonl, DocsFormat::Tsv, DocsFormat::Lines}) {
    const std::string bad = f == DocsFormat::Jsonl ? "{\"text\":\"ok\"}\n{\"text\":\"b\xFFz\"}\n"
                            : f == DocsFormat::Tsv ? "a\tok\nb\tb\xC3z\n"
                                                   : "ok\nb\xED\xA0\x80z\n";
    const std::string msg = error_of(bad, f);
    EXPECT_NE(msg.find("input:2:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
  }
}

TEST(DocumentReader, FormatFromExtension) {
  EXPECT_EQ(docs_format_for_path("x.jsonl"), DocsFormat::Jsonl);
  EXPECT_EQ(docs_format_for_path("x.json"), DocsFormat::Jsonl);
  EXPECT_EQ(docs_format_for_path("x.tsv"), DocsFormat::Tsv);
  EXPECT_EQ(docs_format_for_path("x.txt"), DocsFormat::Lines);
  EXPECT_EQ(parse_docs_format("tsv"), DocsFormat::Tsv);
  EXPECT_THROW(parse_docs_format("csv"), Error);
}

TEST(DocumentReader, MissingFileIsNotFound) {
  try {
    read_documents_file("/nonexistent/docs.jsonl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

}  // namespace
}  // namespace rerank::io

namespace rerank::io {
namespace {

// A document whose metadata nests 100,000 deep (200 KB) is refused while parsing: the CLI used
// to crash copying it into the Document.
TEST(DocumentReader, DeeplyNestedMetadataIsAnErrorNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string message =
      error_of("{\"id\":\"a\",\"text\":\"t\",\"metadata\":{\"x\":" + deep + "}}\n", DocsFormat::Jsonl);
  EXPECT_NE(message.find("input:1"), std::string::npos) << message;
  EXPECT_NE(message.find("deeper than"), std::string::npos) << message;
  // Ordinary nesting still loads.
  const auto docs = read("{\"id\":\"b\",\"text\":\"t\",\"metadata\":{\"a\":[{\"b\":[1]}]}}\n", DocsFormat::Jsonl);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].metadata["a"][0]["b"][0], 1);
}

}  // namespace
}  // namespace rerank::io
