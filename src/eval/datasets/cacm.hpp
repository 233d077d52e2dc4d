// Anserini's CACM: cacm.tar.gz with one HTML file per document (CACM-0001.html ..
// CACM-3204.html), topics.cacm.txt (<DOC><DOCNO> blocks) and qrels.cacm.txt.
//
// Docid mapping: the documents are named with four-digit numbers (CACM-0046) while the
// qrels write some without the zero padding (CACM-46). Judged ids are normalised to the
// corpus form: "<prefix>-<digits>" becomes "<prefix>-" + the number zero-padded to four
// digits; ids that are already four digits (or not of that form) are left alone.
#pragma once

#include <filesystem>
#include <string>

#include "eval/datasets/dataset.hpp"

namespace rerank::eval {

// "CACM-46" -> "CACM-0046"; anything else unchanged.
std::string normalize_cacm_docid(const std::string& id);

// Streams the HTML documents of a tar.gz: id = file name without ".html", text = the
// visible text of the page.
void read_html_tar_corpus(const std::filesystem::path& archive, const DocumentSink& sink);

bool is_cacm_dir(const std::filesystem::path& dir);
Dataset open_cacm_dataset(const std::filesystem::path& dir);

}  // namespace rerank::eval
