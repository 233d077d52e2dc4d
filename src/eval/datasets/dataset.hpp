// The test-collection types every dataset reader produces: a corpus streamed document by
// document, topics (queries) and relevance judgments (qrels).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace rerank::eval {

// One corpus document. Readers keep the title apart so the index and rerankers can use
// BEIR's "title text" concatenation (contents()).
struct CorpusDocument {
  std::string id;
  std::string title;
  std::string text;

  // title + " " + text (just one of them when the other is empty): what gets indexed and
  // what rerankers see, as Anserini's BEIR "flat" indexes and BEIR's rerankers do.
  std::string contents() const;
};

using DocumentSink = std::function<void(CorpusDocument&&)>;

struct Topic {
  std::string id;
  std::string text;
};

// query id -> document id -> relevance grade (<= 0: not relevant). The same type as the
// trec_eval module's Qrels, so judgments pass straight to it.
using Judgments = std::map<std::string, std::map<std::string, int>>;

struct Dataset {
  std::string name;    // e.g. the folder name
  std::string format;  // "beir", "trec", "smart", "cacm", "files"
  // Streams the corpus into a sink; callable more than once. Memory stays bounded for
  // line-based corpora (BEIR JSONL, TREC); archive formats hold one archive member at a time.
  std::function<void(const DocumentSink&)> read_corpus;
  // Identifies the corpus files and their versions (path, size, mtime), so a cached index
  // built from other data is noticed and rebuilt.
  std::string corpus_fingerprint;
  std::vector<Topic> topics;
  Judgments qrels;
  // One line per normalisation applied while reading (e.g. CACM docid zero-padding).
  std::vector<std::string> notes;
};

// "path:size:mtime" of each file, joined with ';'. Missing files give "path:missing".
std::string fingerprint_files(const std::vector<std::filesystem::path>& files);

// Topics that have at least one judgment, in topic order (what trec_eval scores).
std::vector<Topic> judged_topics(const Dataset& dataset);

}  // namespace rerank::eval
