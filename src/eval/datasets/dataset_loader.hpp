// Opening a test collection by folder (format detected) or from separate files.
#pragma once

#include <filesystem>
#include <string>

#include "eval/datasets/dataset.hpp"

namespace rerank::eval {

// Detects the layout of `dir`: BEIR (corpus.jsonl[.gz]), Anserini CACM (cacm.tar.gz +
// topics + qrels), SMART (*.ALL/*.QRY/*.REL, loose or in a .tar.gz), TREC (*.trec corpus +
// topics + qrels). `split` applies to BEIR. Throws Error(NotFound) when nothing matches.
Dataset open_dataset(const std::filesystem::path& dir, const std::string& split = "test");

// Files given one by one. Corpus: BEIR JSONL[.gz] ("_id"/"id", "title", "text"), a TREC
// <DOC> file (.trec[.gz]/.txt) or a tar.gz of HTML pages. Queries: BEIR JSONL, or TREC
// topics / id<TAB>text. Qrels: TREC or BEIR TSV.
Dataset open_dataset_files(const std::filesystem::path& corpus, const std::filesystem::path& queries,
                           const std::filesystem::path& qrels);

// Streams just a corpus file in any of the corpus formats above.
void read_corpus_file(const std::filesystem::path& corpus, const DocumentSink& sink);

}  // namespace rerank::eval
