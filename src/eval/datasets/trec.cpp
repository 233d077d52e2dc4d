#include "eval/datasets/trec.hpp"

#include <algorithm>
#include <cctype>

#include "eval/datasets/compressed_file.hpp"
#include "eval/datasets/html_text.hpp"
#include "eval/datasets/qrels_reader.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string strip_label(std::string text, std::string_view label) {
  if (lower(text.substr(0, label.size())) == label) text = collapse(text.substr(label.size()));
  return text;
}

// Text after the opening tag `tag` (searched in `lowered` from `from`) up to the next '<'.
std::string field_after(std::string_view content, const std::string& lowered, std::string_view tag, std::size_t from,
                        std::size_t to) {
  const std::size_t at = lowered.find(tag, from);
  if (at == std::string::npos || at >= to) return {};
  const std::size_t begin = at + tag.size();
  const std::size_t end = std::min(lowered.find('<', begin), to);
  return collapse(content.substr(begin, end - begin));
}

std::vector<Topic> parse_top_blocks(std::string_view content, const std::string& lowered) {
  std::vector<Topic> topics;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t start = lowered.find("<top>", pos);
    if (start == std::string::npos) break;
    std::size_t end = lowered.find("</top>", start);
    const std::size_t next = lowered.find("<top>", start + 5);
    if (end == std::string::npos || (next != std::string::npos && next < end)) end = next;  // unclosed block
    if (end == std::string::npos) end = content.size();
    Topic t;
    t.id = strip_label(field_after(content, lowered, "<num>", start, end), "number:");
    t.text = strip_label(field_after(content, lowered, "<title>", start, end), "topic:");
    if (!t.id.empty()) topics.push_back(std::move(t));
    pos = end;
  }
  return topics;
}

std::vector<Topic> parse_doc_blocks(std::string_view content, const std::string& lowered) {
  std::vector<Topic> topics;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t start = lowered.find("<doc>", pos);
    if (start == std::string::npos) break;
    std::size_t end = lowered.find("</doc>", start);
    if (end == std::string::npos) end = content.size();
    const std::size_t id_begin = lowered.find("<docno>", start);
    const std::size_t id_end = lowered.find("</docno>", start);
    if (id_begin != std::string::npos && id_end != std::string::npos && id_end < end && id_begin < id_end) {
      Topic t;
      t.id = collapse(content.substr(id_begin + 7, id_end - id_begin - 7));
      t.text = collapse(content.substr(id_end + 8, end - id_end - 8));
      if (!t.id.empty()) topics.push_back(std::move(t));
    }
    pos = end + 1;
  }
  return topics;
}

std::vector<Topic> parse_tsv_topics(std::string_view content) {
  std::vector<Topic> topics;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    topics.push_back({std::string(line.substr(0, tab)), collapse(line.substr(tab + 1))});
  }
  return topics;
}

}  // namespace

std::vector<Topic> parse_trec_topics(std::string_view content, const std::string& source) {
  const std::string lowered = lower(content);
  std::vector<Topic> topics;
  if (lowered.find("<top>") != std::string::npos) {
    topics = parse_top_blocks(content, lowered);
  } else if (lowered.find("<doc>") != std::string::npos) {
    topics = parse_doc_blocks(content, lowered);
  } else {
    topics = parse_tsv_topics(content);
  }
  if (topics.empty()) {
    throw Error(ErrorCode::InvalidInput, source + ": no topics found (expected <top> blocks, <DOC> blocks or id<TAB>text lines)");
  }
  return topics;
}

std::vector<Topic> read_trec_topics(const std::filesystem::path& path) {
  return parse_trec_topics(read_compressed_file(path), path.string());
}

void read_trec_corpus(const std::filesystem::path& path, const DocumentSink& sink) {
  CompressedFile file(path);
  std::string line;
  std::string record;
  bool inside = false;
  std::size_t number = 0;
  auto emit = [&] {
    const std::string lowered = lower(record);
    const std::size_t a = lowered.find("<docno>");
    const std::size_t b = lowered.find("</docno>");
    if (a == std::string::npos || b == std::string::npos || b < a) {
      throw Error(ErrorCode::InvalidInput, path.string() + ":" + std::to_string(number) + ": <DOC> without <DOCNO>");
    }
    CorpusDocument doc;
    doc.id = collapse(std::string_view(record).substr(a + 7, b - a - 7));
    doc.text = html_to_text(std::string_view(record).substr(b + 8));
    sink(std::move(doc));
  };
  while (file.next_line(line)) {
    ++number;
    const std::string lowered = lower(line);
    std::size_t from = 0;
    if (!inside) {
      const std::size_t at = lowered.find("<doc>");
      if (at == std::string::npos) continue;
      inside = true;
      record.clear();
      from = at + 5;
    }
    const std::size_t close = lowered.find("</doc>", from);
    if (close == std::string::npos) {
      record.append(line, from, std::string::npos);
      record += '\n';
      continue;
    }
    record.append(line, from, close - from);
    emit();
    inside = false;
  }
  if (inside) throw Error(ErrorCode::InvalidInput, path.string() + ": the last <DOC> is not closed");
}

namespace {

std::vector<std::filesystem::path> trec_corpus_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path corpus_dir = std::filesystem::is_directory(dir / "corpus") ? dir / "corpus" : dir;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) continue;
    const bool trec_ext = name.ends_with(".trec") || name.ends_with(".trec.gz");
    if (trec_ext && name.find("quer") == std::string::npos && name.find("topic") == std::string::npos) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::filesystem::path find_first(const std::filesystem::path& dir, std::initializer_list<const char*> needles) {
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = lower(entry.path().filename().string());
    for (const char* n : needles) {
      if (name.find(n) != std::string::npos) {
        found.push_back(entry.path());
        break;
      }
    }
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? std::filesystem::path() : found.front();
}

}  // namespace

bool is_trec_dir(const std::filesystem::path& dir) {
  return std::filesystem::is_directory(dir) && !trec_corpus_files(dir).empty() &&
         !find_first(dir, {"qrel"}).empty();
}

Dataset open_trec_dataset(const std::filesystem::path& dir) {
  Dataset ds;
  ds.name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  ds.format = "trec";
  const std::vector<std::filesystem::path> corpus = trec_corpus_files(dir);
  const std::filesystem::path topics = find_first(dir, {"quer", "topic"});
  const std::filesystem::path qrels = find_first(dir, {"qrel"});
  if (corpus.empty() || topics.empty() || qrels.empty()) {
    throw Error(ErrorCode::NotFound, dir.string() + ": expected TREC corpus (*.trec), topics (*quer*/*topic*) and qrels files");
  }
  ds.read_corpus = [corpus](const DocumentSink& sink) {
    for (const auto& f : corpus) read_trec_corpus(f, sink);
  };
  ds.corpus_fingerprint = fingerprint_files(corpus);
  ds.topics = read_trec_topics(topics);
  ds.qrels = read_qrels_file(qrels);
  return ds;
}

}  // namespace rerank::eval
