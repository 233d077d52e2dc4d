// TREC-style files: topics, and corpora of <DOC><DOCNO>id</DOCNO> ... </DOC> records.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "eval/datasets/dataset.hpp"

namespace rerank::eval {

// Topics; the query text is the title field. Formats, detected from the content:
//   <top> <num> Number: 301 <title> text <desc> ... </top>   (classic TREC, closing tags optional)
//   <top><num>1</num><title> text </title></top>              (e.g. Vaswani/NPL)
//   <DOC> <DOCNO> 1 </DOCNO> text </DOC>                      (Anserini's CACM topics: the whole body)
//   id<TAB>text lines                                          (Anserini's BEIR topics .tsv[.gz])
// Throws Error(InvalidInput) when no topic can be read.
std::vector<Topic> parse_trec_topics(std::string_view content, const std::string& source);
std::vector<Topic> read_trec_topics(const std::filesystem::path& path);

// Streams a TREC corpus file (plain or gzip): each <DOC> record's DOCNO is its id and the
// rest of the record, with tags stripped, its text.
void read_trec_corpus(const std::filesystem::path& path, const DocumentSink& sink);

// A folder with a TREC corpus (corpus/ or *.trec files), topics and qrels, e.g. Vaswani.
bool is_trec_dir(const std::filesystem::path& dir);
Dataset open_trec_dataset(const std::filesystem::path& dir);

}  // namespace rerank::eval
