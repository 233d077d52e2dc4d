#include "eval/index/bm25_index.hpp"

#include <unistd.h>

#include <map>
#include <system_error>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "core/json_parse.hpp"
#include "rerank/error.hpp"
#include "text/analyzer.hpp"

namespace rerank::eval {

namespace {

constexpr const char* kSettingsKey = "rerank:index";
constexpr const char* kIdPrefix = "Q";  // unique-id boolean term; analyzer terms are lower case
// Xapian rejects terms over 245 bytes; such "words" (base64 blobs, URLs) are not useful anyway.
constexpr std::size_t kMaxTermBytes = 240;
// BM25Weight's k3 saturates the within-query frequency; a huge k3 makes the factor
// (k3+1)·wqf/(k3+wqf) equal wqf (to 1e-9), i.e. each repeated query word counts again,
// as in Lucene's BM25 where the parsed query repeats the clause.
constexpr double kLinearK3 = 1e9;

[[noreturn]] void rethrow_xapian(const Xapian::Error& e, const std::string& what) {
  throw Error(ErrorCode::Backend, what + ": Xapian " + e.get_type() + ": " + e.get_msg());
}

text::AnalyzerOptions analyzer_options(const IndexSettings& s) {
  text::AnalyzerOptions o;
  o.stemmer = s.stemmer;
  o.stopwords = s.stopwords;
  return o;
}

// Length-prefixed "id title text", so any bytes survive.
std::string pack(const CorpusDocument& doc) {
  return std::to_string(doc.id.size()) + ':' + doc.id + std::to_string(doc.title.size()) + ':' + doc.title + doc.text;
}

bool unpack_field(const std::string& data, std::size_t& pos, std::string& out) {
  const std::size_t colon = data.find(':', pos);
  if (colon == std::string::npos) return false;
  std::size_t n = 0;
  for (std::size_t i = pos; i < colon; ++i) {
    if (data[i] < '0' || data[i] > '9') return false;
    n = n * 10 + static_cast<std::size_t>(data[i] - '0');
  }
  if (colon + 1 + n > data.size()) return false;
  out.assign(data, colon + 1, n);
  pos = colon + 1 + n;
  return true;
}

SearchHit unpack(const std::string& data) {
  SearchHit hit;
  std::size_t pos = 0;
  if (!unpack_field(data, pos, hit.id) || !unpack_field(data, pos, hit.title)) {
    throw Error(ErrorCode::InvalidInput, "corrupt document record in the index: rebuild it with `rerank index`");
  }
  hit.text = data.substr(pos);
  return hit;
}

nlohmann::json settings_json(const IndexSettings& s, const std::string& fingerprint) {
  return {{"format", 1}, {"stemmer", s.stemmer}, {"stopwords", s.stopwords}, {"k1", s.k1}, {"b", s.b},
          {"fingerprint", fingerprint}};
}

bool is_rerank_index(const std::filesystem::path& dir) {
  try {
    Xapian::Database db(dir.string());
    return !db.get_metadata(kSettingsKey).empty();
  } catch (const Xapian::Error&) {
    return false;
  }
}

// An index at `dir` identical to what is being built (same data, analyzer and stored k1/b).
bool same_build(const std::filesystem::path& dir, const IndexSettings& settings, const std::string& fingerprint) {
  if (!index_matches(dir, settings, fingerprint)) return false;
  const IndexInfo info = read_index_info(dir);
  return info.settings.k1 == settings.k1 && info.settings.b == settings.b;
}

}  // namespace

std::string SearchHit::contents() const {
  if (title.empty()) return text;
  if (text.empty()) return title;
  return title + " " + text;
}

IndexInfo build_index(const std::filesystem::path& dir, const IndexSettings& settings,
                      const std::function<void(const DocumentSink&)>& read_corpus, const std::string& fingerprint,
                      const std::function<void(std::size_t)>& progress) {
  const text::Analyzer analyzer(analyzer_options(settings));
  std::error_code ec;
  if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir, ec) && !is_rerank_index(dir)) {
    throw Error(ErrorCode::InvalidArgument, dir.string() + " exists and is not a rerank index: refusing to overwrite it "
                                                           "(give an empty or new folder)");
  }
  // Build beside the target and swap it in at the end, so an interrupted build never
  // leaves a half-written index where a good one was.
  const std::filesystem::path building = dir.string() + ".building-" + std::to_string(::getpid());
  std::filesystem::remove_all(building, ec);
  std::filesystem::create_directories(building.parent_path().empty() ? "." : building.parent_path(), ec);
  try {
    Xapian::WritableDatabase db(building.string(), Xapian::DB_CREATE_OR_OVERWRITE);
    std::size_t count = 0;
    read_corpus([&](CorpusDocument&& doc) {
      if (doc.id.empty()) throw Error(ErrorCode::InvalidInput, "a corpus document has an empty id");
      if (doc.id.size() > kMaxTermBytes) throw Error(ErrorCode::InvalidInput, "document id too long: " + doc.id.substr(0, 60) + "...");
      Xapian::Document xdoc;
      for (const std::string& term : analyzer.analyze(doc.contents())) {
        if (!term.empty() && term.size() <= kMaxTermBytes) xdoc.add_term(term);  // wdf += 1; length = Σ wdf
      }
      const std::string id_term = kIdPrefix + doc.id;
      xdoc.add_boolean_term(id_term);  // wdf 0: does not count towards the length
      xdoc.set_data(pack(doc));
      db.replace_document(id_term, xdoc);  // a repeated id replaces the earlier document
      ++count;
      if (progress && count % 5000 == 0) progress(count);
    });
    db.set_metadata(kSettingsKey, settings_json(settings, fingerprint).dump());
    db.commit();
    db.close();
  } catch (const Xapian::Error& e) {
    std::filesystem::remove_all(building, ec);
    rethrow_xapian(e, "building the index at " + dir.string());
  } catch (...) {
    std::filesystem::remove_all(building, ec);
    throw;
  }
  // Another process (parallel tests, two evals) may have finished the same index first:
  // keep theirs rather than pulling it from under its readers.
  if (same_build(dir, settings, fingerprint)) {
    std::filesystem::remove_all(building, ec);
    return read_index_info(dir);
  }
  std::filesystem::remove_all(dir, ec);
  std::filesystem::rename(building, dir, ec);
  if (ec) {
    std::filesystem::remove_all(building, ec);
    if (same_build(dir, settings, fingerprint)) return read_index_info(dir);
    throw Error(ErrorCode::Internal, "cannot move the new index into " + dir.string());
  }
  return read_index_info(dir);
}

IndexInfo read_index_info(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) throw Error(ErrorCode::NotFound, "index not found: " + dir.string());
  try {
    Xapian::Database db(dir.string());
    const std::string raw = db.get_metadata(kSettingsKey);
    if (raw.empty()) throw Error(ErrorCode::NotFound, dir.string() + " is not a rerank index (build one with `rerank index`)");
    const nlohmann::json j = parse_json(raw, dir.string() + ": index settings");
    if (!j.is_object()) throw Error(ErrorCode::InvalidInput, dir.string() + ": corrupt index settings");
    IndexInfo info;
    info.settings.stemmer = j.value("stemmer", "porter");
    info.settings.stopwords = j.value("stopwords", "lucene");
    info.settings.k1 = j.value("k1", 0.9);
    info.settings.b = j.value("b", 0.4);
    info.fingerprint = j.value("fingerprint", "");
    info.num_docs = db.get_doccount();
    info.avg_doc_length = db.get_avlength();
    return info;
  } catch (const Xapian::Error& e) {
    throw Error(ErrorCode::NotFound, dir.string() + " is not a readable index (" + e.get_msg() + "): build it with `rerank index`");
  }
}

bool index_matches(const std::filesystem::path& dir, const IndexSettings& settings, const std::string& fingerprint) {
  if (!std::filesystem::is_directory(dir)) return false;
  try {
    const IndexInfo info = read_index_info(dir);
    return info.fingerprint == fingerprint && info.settings.stemmer == settings.stemmer &&
           info.settings.stopwords == settings.stopwords;
  } catch (const Error&) {
    return false;
  }
}

struct Bm25Searcher::Impl {
  Xapian::Database db;
  IndexInfo info;
  std::unique_ptr<text::Analyzer> analyzer;
};

Bm25Searcher::Bm25Searcher(const std::filesystem::path& dir) : impl_(std::make_unique<Impl>()) {
  impl_->info = read_index_info(dir);
  try {
    impl_->db = Xapian::Database(dir.string());
  } catch (const Xapian::Error& e) {
    rethrow_xapian(e, "opening the index at " + dir.string());
  }
  impl_->analyzer = std::make_unique<text::Analyzer>(analyzer_options(impl_->info.settings));
}

Bm25Searcher::~Bm25Searcher() = default;

const IndexInfo& Bm25Searcher::info() const { return impl_->info; }

void Bm25Searcher::set_parameters(double k1, double b) {
  if (!(k1 >= 0) || !(b >= 0 && b <= 1)) throw Error(ErrorCode::InvalidArgument, "BM25 needs k1 >= 0 and 0 <= b <= 1");
  impl_->info.settings.k1 = k1;
  impl_->info.settings.b = b;
}

std::vector<SearchHit> Bm25Searcher::search(const std::string& query, std::size_t k) const {
  std::vector<SearchHit> hits;
  if (k == 0) return hits;
  // Query terms with their within-query frequencies, in first-occurrence order.
  std::vector<std::pair<std::string, Xapian::termcount>> terms;
  std::map<std::string, std::size_t> slot;
  for (const std::string& t : impl_->analyzer->analyze(query)) {
    if (t.empty() || t.size() > kMaxTermBytes) continue;
    auto [it, added] = slot.emplace(t, terms.size());
    if (added) {
      terms.emplace_back(t, 1);
    } else {
      ++terms[it->second].second;
    }
  }
  if (terms.empty()) return hits;
  try {
    std::vector<Xapian::Query> subqueries;
    subqueries.reserve(terms.size());
    for (const auto& [term, wqf] : terms) subqueries.emplace_back(term, wqf);
    Xapian::Enquire enquire(impl_->db);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, subqueries.begin(), subqueries.end()));
    // Okapi BM25: k2 = 0 drops Xapian's extra query-length correction, k3 huge makes the
    // query-frequency factor linear, min_normlen = 0 turns off the clamp of short documents'
    // normalised length (Xapian's default 0.5 favours short documents less than Okapi does).
    const IndexSettings& s = impl_->info.settings;
    enquire.set_weighting_scheme(Xapian::BM25Weight(s.k1, 0.0, kLinearK3, s.b, 0.0));
    const Xapian::doccount want = static_cast<Xapian::doccount>(std::min<std::size_t>(k, impl_->db.get_doccount()));
    const Xapian::MSet mset = enquire.get_mset(0, want);
    hits.reserve(mset.size());
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      SearchHit hit = unpack(it.get_document().get_data());
      hit.score = it.get_weight();
      hits.push_back(std::move(hit));
    }
  } catch (const Xapian::Error& e) {
    rethrow_xapian(e, "searching the index");
  }
  return hits;
}

}  // namespace rerank::eval
