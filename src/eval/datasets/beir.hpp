// BEIR's dataset layout: corpus.jsonl[.gz] ({"_id","title","text"}), queries.jsonl or
// queries.<split>.jsonl ({"_id","text"}), qrels/<split>.tsv (header, then
// query-id<TAB>corpus-id<TAB>score).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "eval/datasets/dataset.hpp"

namespace rerank::eval {

// Streams a BEIR corpus (plain or gzip). Also accepts "id" for "_id", numeric ids and a
// missing title. Throws Error(InvalidInput) naming the file and line for malformed lines.
void read_beir_corpus(const std::filesystem::path& path, const DocumentSink& sink);

// BEIR queries JSONL.
std::vector<Topic> read_beir_queries(const std::filesystem::path& path);

// BEIR qrels TSV; a first line starting with "query-id" is a header. Also accepts
// TREC's four columns (qid iter docid rel), so either qrels file works.
Judgments read_beir_qrels(const std::filesystem::path& path);

// True when `dir` holds corpus.jsonl or corpus.jsonl.gz.
bool is_beir_dir(const std::filesystem::path& dir);

// Opens a BEIR folder: queries.<split>.jsonl is preferred over queries.jsonl; queries
// without judgments in qrels/<split>.tsv are kept (callers pick judged_topics()).
Dataset open_beir_dataset(const std::filesystem::path& dir, const std::string& split);

}  // namespace rerank::eval
