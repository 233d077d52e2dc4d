#include "eval/datasets/smart.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <sstream>

#include "eval/datasets/compressed_file.hpp"
#include "eval/datasets/tar_reader.hpp"
#include "rerank/error.hpp"

namespace rerank::eval {

namespace {

std::string strip_zeros(std::string s) {
  const std::size_t nz = s.find_first_not_of('0');
  if (nz == std::string::npos) return s.empty() ? s : "0";
  return s.substr(nz);
}

std::string trim(std::string_view s) {
  const std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return {};
  const std::size_t b = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(a, b - a + 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A field marker line: '.', one upper-case letter, then only whitespace or (for .I) a number.
bool field_marker(std::string_view line, char& letter, std::string& rest) {
  if (line.size() < 2 || line[0] != '.' || !std::isupper(static_cast<unsigned char>(line[1]))) return false;
  if (line.size() > 2 && line[2] != ' ' && line[2] != '\t') return false;
  rest = trim(line.substr(2));
  if (line[1] != 'I' && !rest.empty()) return false;
  letter = line[1];
  return true;
}

}  // namespace

std::vector<SmartRecord> parse_smart_records(std::string_view content, const std::string& source) {
  std::vector<SmartRecord> records;
  char current = 0;
  std::size_t pos = 0;
  std::size_t number = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    char letter = 0;
    std::string rest;
    if (field_marker(line, letter, rest)) {
      if (letter == 'I') {
        if (rest.empty()) throw Error(ErrorCode::InvalidInput, source + ":" + std::to_string(number) + ": .I without a number");
        records.push_back({strip_zeros(rest), {}});
        current = 0;
      } else {
        if (records.empty()) throw Error(ErrorCode::InvalidInput, source + ":" + std::to_string(number) + ": field before the first .I");
        current = letter;
        records.back().fields[current];  // present even when empty
      }
      continue;
    }
    const std::string text = trim(line);
    if (text.empty()) continue;
    if (records.empty() || current == 0) {
      if (records.empty()) throw Error(ErrorCode::InvalidInput, source + ":" + std::to_string(number) + ": text before the first .I");
      continue;  // text right after .I without a field marker: not part of any field
    }
    std::string& field = records.back().fields[current];
    if (!field.empty()) field += ' ';
    field += text;
  }
  return records;
}

std::string smart_record_text(const SmartRecord& record) {
  std::string out;
  for (char f : {'T', 'W'}) {
    auto it = record.fields.find(f);
    if (it == record.fields.end() || it->second.empty()) continue;
    if (!out.empty()) out += ' ';
    out += it->second;
  }
  return out;
}

std::vector<Topic> smart_topics(const std::vector<SmartRecord>& records, bool* by_position) {
  bool sequential = true;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].number != std::to_string(i + 1)) {
      sequential = false;
      break;
    }
  }
  std::vector<Topic> topics;
  for (std::size_t i = 0; i < records.size(); ++i) {
    topics.push_back({sequential ? records[i].number : std::to_string(i + 1), smart_record_text(records[i])});
  }
  if (by_position) *by_position = !sequential;
  return topics;
}

Judgments parse_smart_qrels(std::string_view content, const std::string& source) {
  Judgments qrels;
  std::istringstream in{std::string(content)};
  std::string line;
  std::size_t number = 0;
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::InvalidInput, source + ":" + std::to_string(number) + ": " + why);
  };
  auto to_int = [&](const std::string& s) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) throw bad("'" + s + "' is not an integer");
    return v;
  };
  while (std::getline(in, line)) {
    ++number;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string x; fields >> x;) f.push_back(x);
    if (f.empty()) continue;
    if (f.size() == 3) {
      const int code = to_int(f[2]);
      qrels[strip_zeros(f[0])][strip_zeros(f[1])] = code >= 1 && code <= 4 ? 5 - code : 0;
    } else if (f.size() == 4 && f[3].find('.') != std::string::npos) {
      qrels[strip_zeros(f[0])][strip_zeros(f[1])] = 1;
    } else if (f.size() == 4) {
      qrels[strip_zeros(f[0])][strip_zeros(f[2])] = to_int(f[3]);
    } else {
      throw bad("expected 3 or 4 columns, got " + std::to_string(f.size()));
    }
  }
  return qrels;
}

namespace {

enum class SmartRole { None, Documents, Queries, Qrels };

SmartRole role_of(const std::string& file_name) {
  const std::string n = lower(file_name);
  if (n.starts_with("._")) return SmartRole::None;  // macOS resource forks inside archives
  if (n.ends_with(".all") || n.find(".all.") != std::string::npos) return SmartRole::Documents;
  if (n.ends_with(".qry")) return SmartRole::Queries;
  if (n.ends_with(".rel") || n == "cranqrel" || n == "qrels.text") return SmartRole::Qrels;
  return SmartRole::None;
}

struct SmartFiles {
  std::string documents, queries, qrels;
  std::string documents_name, queries_name, qrels_name;
};

void keep(SmartFiles& files, const std::string& name, std::string content) {
  switch (role_of(name)) {
    case SmartRole::Documents: files.documents = std::move(content); files.documents_name = name; break;
    case SmartRole::Queries: files.queries = std::move(content); files.queries_name = name; break;
    case SmartRole::Qrels: files.qrels = std::move(content); files.qrels_name = name; break;
    case SmartRole::None: break;
  }
}

std::vector<std::filesystem::path> archives_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (e.is_regular_file() && (n.ends_with(".tar.gz") || n.ends_with(".tgz") || n.ends_with(".tar"))) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

SmartFiles load_smart_files(const std::filesystem::path& dir, std::vector<std::filesystem::path>* sources) {
  SmartFiles files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && role_of(e.path().filename().string()) != SmartRole::None) {
      keep(files, e.path().filename().string(), read_compressed_file(e.path()));
      sources->push_back(e.path());
    }
  }
  if (!files.documents.empty()) return files;
  for (const auto& archive : archives_in(dir)) {
    SmartFiles from_archive;
    for_each_tar_file(archive, [&](TarEntry& entry) {
      keep(from_archive, tar_base_name(entry.name), std::move(entry.content));
      return true;
    });
    if (!from_archive.documents.empty()) {
      sources->push_back(archive);
      return from_archive;
    }
  }
  return files;
}

bool has_smart_archive(const std::filesystem::path& dir) {
  for (const auto& archive : archives_in(dir)) {
    bool found = false;
    try {
      for_each_tar_file(archive, [&](TarEntry& entry) {
        found = role_of(tar_base_name(entry.name)) == SmartRole::Documents;
        return !found;
      });
    } catch (const Error&) {
      continue;
    }
    if (found) return true;
  }
  return false;
}

}  // namespace

bool is_smart_dir(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) return false;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && role_of(e.path().filename().string()) == SmartRole::Documents) return true;
  }
  return has_smart_archive(dir);
}

Dataset open_smart_dataset(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> sources;
  SmartFiles files = load_smart_files(dir, &sources);
  if (files.documents.empty() || files.queries.empty() || files.qrels.empty()) {
    throw Error(ErrorCode::NotFound, dir.string() +
                                         ": a SMART collection needs documents (*.ALL), queries (*.QRY) and "
                                         "judgments (*.REL or cranqrel), as files or inside one .tar.gz");
  }
  Dataset ds;
  ds.name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  ds.format = "smart";
  ds.corpus_fingerprint = fingerprint_files(sources);
  bool by_position = false;
  ds.topics = smart_topics(parse_smart_records(files.queries, files.queries_name), &by_position);
  if (by_position) {
    ds.notes.push_back(files.queries_name + ": .I numbers are not 1..n, so queries are numbered by position (as " +
                       files.qrels_name + " counts them)");
  }
  ds.qrels = parse_smart_qrels(files.qrels, files.qrels_name);
  // The documents are parsed when the corpus is read; the text stays shared until then.
  auto documents = std::make_shared<const std::string>(std::move(files.documents));
  const std::string name = files.documents_name;
  ds.read_corpus = [documents, name](const DocumentSink& sink) {
    for (SmartRecord& r : parse_smart_records(*documents, name)) {
      CorpusDocument doc;
      doc.id = r.number;
      auto title = r.fields.find('T');
      if (title != r.fields.end()) doc.title = title->second;
      auto body = r.fields.find('W');
      if (body != r.fields.end()) doc.text = body->second;
      sink(std::move(doc));
    }
  };
  return ds;
}

}  // namespace rerank::eval
