#include "eval/datasets/beir.hpp"

#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"
#include "core/utf8.hpp"
#include "eval/datasets/compressed_file.hpp"
#include "eval/datasets/qrels_reader.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

namespace {

std::string where(const std::filesystem::path& path, std::size_t line) {
  return path.string() + ":" + std::to_string(line);
}

std::string json_id(const nlohmann::json& obj, const std::filesystem::path& path, std::size_t line) {
  for (const char* key : {"_id", "id"}) {
    auto it = obj.find(key);
    if (it == obj.end()) continue;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<long long>());
  }
  throw Error(ErrorCode::InvalidInput, where(path, line) + ": missing \"_id\" (a string or integer)");
}

std::string json_text(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <typename Visit>
void for_each_json_line(const std::filesystem::path& path, Visit visit) {
  CompressedFile file(path);
  std::string line;
  std::size_t number = 0;
  while (file.next_line(line)) {
    ++number;
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (auto bad = find_invalid_utf8(line)) {
      throw Error(ErrorCode::InvalidInput,
                  where(path, number) + ": invalid UTF-8 at byte " + std::to_string(*bad + 1));
    }
    const nlohmann::json obj = parse_json(line, where(path, number));
    if (!obj.is_object()) throw Error(ErrorCode::InvalidInput, where(path, number) + ": not a JSON object");
    visit(obj, number);
  }
}

}  // namespace

void read_beir_corpus(const std::filesystem::path& path, const DocumentSink& sink) {
  for_each_json_line(path, [&](const nlohmann::json& obj, std::size_t number) {
    CorpusDocument doc;
    doc.id = json_id(obj, path, number);
    doc.title = json_text(obj, "title");
    doc.text = json_text(obj, "text");
    sink(std::move(doc));
  });
}

std::vector<Topic> read_beir_queries(const std::filesystem::path& path) {
  std::vector<Topic> topics;
  for_each_json_line(path, [&](const nlohmann::json& obj, std::size_t number) {
    topics.push_back({json_id(obj, path, number), json_text(obj, "text")});
  });
  return topics;
}

Judgments read_beir_qrels(const std::filesystem::path& path) { return read_qrels_file(path); }

bool is_beir_dir(const std::filesystem::path& dir) {
  return std::filesystem::is_regular_file(dir / "corpus.jsonl") || std::filesystem::is_regular_file(dir / "corpus.jsonl.gz");
}

Dataset open_beir_dataset(const std::filesystem::path& dir, const std::string& split) {
  Dataset ds;
  ds.name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  ds.format = "beir";
  const std::filesystem::path corpus =
      std::filesystem::is_regular_file(dir / "corpus.jsonl") ? dir / "corpus.jsonl" : dir / "corpus.jsonl.gz";
  std::filesystem::path queries = dir / ("queries." + split + ".jsonl");
  if (!std::filesystem::is_regular_file(queries)) queries = dir / "queries.jsonl";
  if (!std::filesystem::is_regular_file(queries)) {
    throw Error(ErrorCode::NotFound, dir.string() + ": no queries." + split + ".jsonl or queries.jsonl");
  }
  const std::filesystem::path qrels = dir / "qrels" / (split + ".tsv");
  if (!std::filesystem::is_regular_file(qrels)) {
    throw Error(ErrorCode::NotFound, qrels.string() + " not found (is --split right? BEIR splits: test, dev, train)");
  }
  ds.read_corpus = [corpus](const DocumentSink& sink) { read_beir_corpus(corpus, sink); };
  ds.corpus_fingerprint = fingerprint_files({corpus});
  ds.topics = read_beir_queries(queries);
  ds.qrels = read_beir_qrels(qrels);
  return ds;
}

}  // namespace rerank::eval
