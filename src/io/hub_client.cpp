#include "io/hub_client.hpp"

#include "core/environment.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "io/hub_cache_store.hpp"
#include "io/hub_files.hpp"
#include "io/sha256.hpp"

namespace fs = std::filesystem;

namespace rerank::io {

namespace {


std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

long env_seconds(const char* name, long fallback) {
  const std::string v = env_value(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  const double seconds = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || seconds <= 0) return fallback;
  return std::max(1L, static_cast<long>(seconds + 0.5));
}

std::string read_token_file(const fs::path& path) {
  std::ifstream in(path);
  std::string token;
  if (in) std::getline(in, token);
  return trim(token);
}

std::string human_size(std::uint64_t bytes) {
  if (bytes >= (1ull << 30)) return fmt::format("{:.1f} GB", bytes / 1e9);
  if (bytes >= (1ull << 20)) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1024) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{} B", bytes);
}

// huggingface_hub's _normalize_etag: drop a weak marker and the quotes.
std::string normalize_etag(std::string etag) {
  etag = trim(etag);
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
  return etag;
}

// The ETag becomes a file name under blobs/: allow only what real ETags (hex) look like.
bool is_safe_etag(const std::string& etag) {
  if (etag.empty() || etag.size() > 128 || etag == "." || etag == "..") return false;
  return std::all_of(etag.begin(), etag.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

std::optional<std::uint64_t> parse_size(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : *text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// A Location without scheme and host (huggingface_hub follows only these itself: renamed
// repos; absolute ones point at the LFS CDN and carry the file's metadata on the redirect).
bool is_relative_location(const std::string& location) {
  return location.find("://") == std::string::npos && location.rfind("//", 0) != 0;
}

std::string join_relative(const std::string& base_url, const std::string& location) {
  if (!location.empty() && location.front() == '/') return url_origin(base_url) + location;
  const std::size_t q = base_url.find('?');
  const std::string path = base_url.substr(0, q);
  return path.substr(0, path.rfind('/') + 1) + location;
}

std::uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  return ec ? 0 : size;
}

bool is_regular(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, "cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `attempt` again after a RetryableError, with exponential backoff.
template <typename F>
auto with_retries(const HubClientOptions& o, int max_retries, const std::string& what, F&& attempt)
    -> decltype(attempt()) {
  for (int n = 0;; ++n) {
    try {
      return attempt();
    } catch (const RetryableError& e) {
      if (n >= max_retries) {
        throw Error(ErrorCode::Network,
                    std::string(e.what()) + (max_retries > 0 ? fmt::format(" (gave up after {} attempts)", n + 1)
                                                             : std::string()));
      }
      const std::chrono::milliseconds delay =
          std::min<std::chrono::milliseconds>(o.retry_backoff * (1LL << std::min(n, 10)), std::chrono::seconds(8));
      if (o.log) o.log(fmt::format("{}: {}; retrying in {} ms", what, e.what(), delay.count()));
      std::this_thread::sleep_for(delay);
    }
  }
}

}  // namespace

HubClientOptions HubClientOptions::from_env() {
  HubClientOptions o;
  if (std::string e = trim(env_value("HF_ENDPOINT")); !e.empty()) {
    while (!e.empty() && e.back() == '/') e.pop_back();
    o.endpoint = e;
  }
  o.token = trim(env_value("HF_TOKEN"));
  if (o.token.empty()) o.token = trim(env_value("HUGGING_FACE_HUB_TOKEN"));
  if (o.token.empty()) {
    fs::path token_file;
    if (std::string p = env_value("HF_TOKEN_PATH"); !p.empty()) {
      token_file = p;
    } else if (std::string h = env_value("HF_HOME"); !h.empty()) {
      token_file = fs::path(h) / "token";
    } else if (std::string x = env_value("XDG_CACHE_HOME"); !x.empty()) {
      token_file = fs::path(x) / "huggingface" / "token";
    } else if (std::string home = env_value("HOME"); !home.empty()) {
      token_file = fs::path(home) / ".cache" / "huggingface" / "token";
    }
    if (!token_file.empty()) o.token = read_token_file(token_file);
  }
  o.cache_dir = hub_cache_dir();
  o.offline = hub_offline();
  o.metadata_timeouts.total = std::chrono::seconds(env_seconds(
      "HF_HUB_ETAG_TIMEOUT", std::chrono::duration_cast<std::chrono::seconds>(o.metadata_timeouts.total).count()));
  o.download_timeouts.stall = std::chrono::seconds(env_seconds(
      "HF_HUB_DOWNLOAD_TIMEOUT", std::chrono::duration_cast<std::chrono::seconds>(o.download_timeouts.stall).count()));
  return o;
}

struct HubClient::Planned {
  std::string file;
  std::optional<HubFileMetadata> meta;  // empty: already in the snapshot
};

HubClient::HubClient(HubClientOptions options) : options_(std::move(options)) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') options_.endpoint.pop_back();
  if (options_.cache_dir.empty()) options_.cache_dir = hub_cache_dir();
}

fs::path HubClient::repo_dir(const std::string& repo) const {
  return options_.cache_dir / hub_repo_cache_dir(repo).filename();
}

void HubClient::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

std::vector<std::pair<std::string, std::string>> HubClient::auth_headers(const std::string& url) const {
  // The token goes to the Hub only, never to the CDN (its URLs are pre-signed) or a
  // third-party host a redirect names.
  if (options_.token.empty() || url_origin(url) != url_origin(options_.endpoint)) return {};
  return {{"Authorization", "Bearer " + options_.token}};
}

std::string HubClient::resolve_url(const std::string& repo, const std::string& revision,
                                   const std::string& file) const {
  return options_.endpoint + "/" + repo + "/resolve/" + url_encode(revision, false) + "/" + url_encode(file, true);
}

namespace {

// Turns a non-2xx/3xx Hub answer into the error it means. The Hub says which thing is
// missing in X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
[[noreturn]] void throw_for_status(const HttpResponse& r, const HubClientOptions& o, const std::string& repo,
                                   const std::string& revision, const std::string& file) {
  const std::string code = r.header("X-Error-Code").value_or("");
  std::string server_message = r.header("X-Error-Message").value_or("");
  if (server_message.size() > 300) server_message.resize(300);
  const std::string said = server_message.empty() ? "" : " (the Hub said: " + server_message + ")";
  const std::string where = o.endpoint + "/" + repo;
  const bool has_token = !o.token.empty();
  if (code == "RepoNotFound") {
    throw Error(ErrorCode::NotFound,
                "model repository '" + repo + "' was not found at " + o.endpoint +
                    ": check the id; if it is private or gated, set HF_TOKEN to a token that can read it" +
                    (has_token ? " (HF_TOKEN is set: that token cannot see it)" : "") + said);
  }
  if (code == "RevisionNotFound") {
    throw Error(ErrorCode::NotFound,
                "revision '" + revision + "' does not exist in '" + repo + "' at " + o.endpoint + said);
  }
  if (code == "EntryNotFound" || (r.status == 404 && code.empty())) {
    throw HubEntryNotFound("'" + repo + "' (revision " + revision + ") has no file '" + file + "' at " + o.endpoint +
                               (code.empty() ? " (or the repository or revision does not exist)" : ""),
                           r.header("X-Repo-Commit").value_or(""));
  }
  if (code == "GatedRepo") {
    throw Error(ErrorCode::Unauthorized,
                "'" + repo + "' is a gated model: accept its conditions on " + where +
                    " and set HF_TOKEN to a token of that account" + said);
  }
  if (r.status == 401 || r.status == 403) {
    throw Error(ErrorCode::Unauthorized,
                fmt::format("the Hub refused access to '{}' (HTTP {}): {}{}", repo, r.status,
                            has_token ? "the token in HF_TOKEN (or the saved token) was rejected or lacks access"
                                      : "it needs authentication; set HF_TOKEN to a Hugging Face access token",
                            said));
  }
  if (r.status == 429 || r.status >= 500) {
    throw RetryableError(fmt::format("the Hub answered HTTP {} for {} in '{}'{}", r.status, file, repo, said));
  }
  throw Error(ErrorCode::Network,
              fmt::format("unexpected HTTP {} from {} for '{}' in '{}'{}", r.status, o.endpoint, file, repo, said));
}

HubFileMetadata metadata_from(const HttpResponse& r, const std::string& download_url, const std::string& endpoint,
                              const std::string& file) {
  HubFileMetadata m;
  m.commit = trim(r.header("X-Repo-Commit").value_or(""));
  m.etag = normalize_etag(r.header("X-Linked-Etag").value_or(r.header("ETag").value_or("")));
  m.size = parse_size(r.header("X-Linked-Size"));
  if (!m.size) m.size = parse_size(r.header("Content-Length"));
  m.download_url = download_url;
  if (m.commit.empty() || m.etag.empty()) {
    throw Error(ErrorCode::Network, "the answer for '" + file + "' from " + endpoint +
                                        " has no X-Repo-Commit or ETag header: is HF_ENDPOINT a Hugging Face Hub?");
  }
  if (!is_commit_hash(m.commit) || !is_safe_etag(m.etag)) {
    throw Error(ErrorCode::Network, "the answer for '" + file + "' from " + endpoint +
                                        " has a malformed X-Repo-Commit or ETag header");
  }
  return m;
}

}  // namespace

HubFileMetadata HubClient::metadata_counted(const std::string& repo, const std::string& revision,
                                            const std::string& file, std::size_t* requests) const {
  const std::string url = resolve_url(repo, revision, file);
  return with_retries(options_, std::min(options_.max_retries, options_.max_metadata_retries), "HEAD " + file, [&]() -> HubFileMetadata {
    std::string current = url;
    for (int hop = 0; hop < 10; ++hop) {
      HttpRequest req;
      req.url = current;
      req.headers = auth_headers(current);
      req.method = HttpMethod::Head;
      req.timeouts = options_.metadata_timeouts;
      if (requests) ++*requests;
      const HttpResponse r = http_fetch(req, 64 * 1024);
      if (r.status >= 300 && r.status < 400) {
        const std::string location = trim(r.header("Location").value_or(""));
        if (location.empty()) {
          throw Error(ErrorCode::Network, fmt::format("HTTP {} without a Location for '{}'", r.status, file));
        }
        if (is_relative_location(location)) {
          current = join_relative(current, location);
          continue;
        }
        return metadata_from(r, location, options_.endpoint, file);
      }
      if (r.status >= 200 && r.status < 300) return metadata_from(r, current, options_.endpoint, file);
      throw_for_status(r, options_, repo, revision, file);
    }
    throw Error(ErrorCode::Network, "too many redirects for '" + file + "' in '" + repo + "'");
  });
}

HubFileMetadata HubClient::file_metadata(const std::string& repo, const std::string& revision,
                                         const std::string& file) const {
  if (!is_safe_repo_path(file)) throw Error(ErrorCode::InvalidArgument, "invalid file name '" + file + "'");
  return metadata_counted(repo, revision, file, nullptr);
}

std::uint64_t HubClient::fetch_blob(const std::string& repo, const fs::path& repo_dir, const std::string& file,
                                    const HubFileMetadata& meta, std::size_t* requests) const {
  const fs::path blob = hub_blob_path(repo_dir, meta.etag);
  if (is_regular(blob)) return 0;
  CacheFileLock lock(hub_lock_path(repo_dir, meta.etag));
  if (is_regular(blob)) return 0;  // another process finished it while we waited

  const fs::path partial = fs::path(blob.string() + ".incomplete");
  const std::uint64_t had = file_size_or_zero(partial);
  log(meta.size ? fmt::format("downloading {} ({})", file, human_size(*meta.size))
                : fmt::format("downloading {}", file));
  with_retries(options_, options_.max_retries, "download " + file, [&] {
    std::uint64_t offset = file_size_or_zero(partial);
    if (meta.size && offset > *meta.size) {
      // Longer than the file: not a prefix of it. Start over.
      std::error_code ec;
      fs::remove(partial, ec);
      offset = 0;
    }
    if (meta.size && offset == *meta.size && offset > 0) return;  // complete, only the rename was missing
    if (offset > 0) log(fmt::format("resuming {} at {}", file, human_size(offset)));
    HttpRequest req;
    req.url = meta.download_url;
    req.headers = auth_headers(meta.download_url);
    req.follow_redirects = true;
    req.timeouts = options_.download_timeouts;
    if (requests) ++*requests;
    const std::uint64_t total = meta.size.value_or(0);
    std::function<void(std::uint64_t)> progress;
    if (options_.on_progress) {
      progress = [&, offset](std::uint64_t n) { options_.on_progress(file, offset + n, total); };
    }
    std::error_code ec;
    fs::create_directories(blob.parent_path(), ec);
    const HttpResponse r = http_download(req, partial, offset, progress);
    if (r.status == 416) {
      // The server cannot serve the remainder: the partial file is not ours to continue.
      fs::remove(partial, ec);
      throw RetryableError("the server refused to resume " + file + " (HTTP 416)");
    }
    if (r.status != 200 && r.status != 206) throw_for_status(r, options_, repo, meta.commit, file);
    const std::uint64_t have = file_size_or_zero(partial);
    if (meta.size && have != *meta.size) {
      throw RetryableError(fmt::format("{} ended after {} of {} bytes", file, have, *meta.size));
    }
  });

  // LFS files are named by their sha256: check the content before it enters the cache.
  if (is_sha256_hex(meta.etag)) {
    const std::string actual = sha256_file_hex(partial);
    if (actual != meta.etag) {
      std::error_code ec;
      fs::remove(partial, ec);
      throw Error(ErrorCode::Network, "checksum mismatch for " + file + ": the Hub says sha256 " + meta.etag +
                                          " but the downloaded content hashes to " + actual +
                                          "; the download was corrupted in transit and has been deleted: run again");
    }
  }
  const std::uint64_t size = file_size_or_zero(partial);
  std::error_code ec;
  fs::rename(partial, blob, ec);
  if (ec) {
    throw Error(ErrorCode::InvalidArgument, "cannot move " + partial.string() + " into the Hugging Face cache: " +
                                                ec.message());
  }
  return size > had ? size - had : size;
}

HubSnapshot HubClient::download_model(const HubRepoId& id) const {
  const fs::path rdir = repo_dir(id.repo);
  HubSnapshot out;
  auto from_cache = [&](const fs::path& snapshot) {
    out.path = snapshot;
    out.commit = snapshot.filename().string();
    return out;
  };
  if (options_.offline) {
    if (auto cached = find_cached_snapshot_in(rdir, id.revision)) return from_cache(*cached);
    throw Error(ErrorCode::NotFound, "model '" + id.repo + "' (revision " + id.revision +
                                         ") is not in the Hugging Face cache at " + rdir.string() +
                                         " and HF_HUB_OFFLINE is set, so it cannot be downloaded: unset "
                                         "HF_HUB_OFFLINE, or download it into this cache first (rerank download)");
  }
  if (is_commit_hash(id.revision)) {
    // A commit never changes: its complete snapshot needs no revision check.
    const fs::path snapshot = rdir / "snapshots" / id.revision;
    if (snapshot_is_complete(snapshot)) return from_cache(snapshot);
  }

  std::size_t requests = 0;
  HubFileMetadata config_meta;
  try {
    config_meta = metadata_counted(id.repo, id.revision, std::string(kHubConfigFile), &requests);
  } catch (const HubEntryNotFound&) {
    throw Error(ErrorCode::NotFound, "'" + id.repo + "' (revision " + id.revision +
                                         ") has no config.json at " + options_.endpoint +
                                         ": it is not a transformers model repository");
  } catch (const Error& e) {
    // Like huggingface_hub: when the Hub cannot be reached, a complete cached copy will do.
    if (e.code() != ErrorCode::Network) throw;
    if (auto cached = find_cached_snapshot_in(rdir, id.revision); cached && snapshot_is_complete(*cached)) {
      log(std::string("cannot reach the Hub (") + e.what() + "); using the cached snapshot " + cached->string());
      return from_cache(*cached);
    }
    throw Error(ErrorCode::Network, std::string(e.what()) + "; set HF_HUB_OFFLINE=1 to use only cached models");
  }
  const std::string commit = config_meta.commit;
  const fs::path snapshot = rdir / "snapshots" / commit;
  if (snapshot_is_complete(snapshot)) {
    write_ref(rdir, id.revision, commit);
    out = from_cache(snapshot);
    out.requests = requests;
    return out;
  }

  // Every other file is asked for at the commit, so a branch moving meanwhile cannot mix
  // files of two commits.
  std::vector<Planned> planned;
  std::vector<std::string> absent;
  auto plan = [&](const std::string& file) {
    if (is_regular(snapshot / file)) {
      planned.push_back({file, std::nullopt});
    } else {
      planned.push_back({file, metadata_counted(id.repo, commit, file, &requests)});
    }
  };
  planned.push_back({std::string(kHubConfigFile), config_meta});
  for (const std::string& f : hub_required_files()) {
    if (f == kHubConfigFile) continue;
    try {
      plan(f);
    } catch (const HubEntryNotFound&) {
      throw Error(ErrorCode::NotSupported, "'" + id.repo + "' (revision " + id.revision + ") has no " + f +
                                               ": rerank needs the fast-tokenizer file tokenizer.json");
    }
  }
  for (const std::string& f : hub_optional_files()) {
    try {
      plan(f);
    } catch (const HubEntryNotFound&) {
      absent.push_back(f);
    }
  }
  // Weights: one safetensors file, else a sharded index and its shards.
  try {
    plan(std::string(kHubSafetensorsFile));
  } catch (const HubEntryNotFound&) {
    const std::string index_name(kHubSafetensorsIndexFile);
    try {
      plan(index_name);
    } catch (const HubEntryNotFound&) {
      bool has_bin = false;
      try {
        metadata_counted(id.repo, commit, std::string(kHubPytorchFile), &requests);
        has_bin = true;
      } catch (const HubEntryNotFound&) {
      }
      if (has_bin) {
        throw Error(ErrorCode::NotSupported,
                    "'" + id.repo + "' (revision " + id.revision +
                        ") has only pytorch_model.bin weights; rerank reads safetensors only (pickle files can "
                        "run code). Pick a revision with model.safetensors (the Hub's safetensors conversion bot "
                        "often opened one: try --revision refs/pr/N), or convert the checkpoint");
      }
      throw Error(ErrorCode::NotFound, "'" + id.repo + "' (revision " + id.revision +
                                           ") has no weights: no model.safetensors, "
                                           "model.safetensors.index.json or pytorch_model.bin");
    }
    const Planned index = planned.back();
    fs::path index_path = snapshot / index_name;
    if (index.meta) {
      out.bytes_downloaded += fetch_blob(id.repo, rdir, index_name, *index.meta, &requests);
      index_path = hub_blob_path(rdir, index.meta->etag);
    }
    for (const std::string& shard : safetensors_index_shards(read_whole(index_path), id.repo + "/" + index_name)) {
      try {
        plan(shard);
      } catch (const HubEntryNotFound&) {
        throw Error(ErrorCode::ModelFormat, "'" + id.repo + "' lists the shard " + shard + " in " + index_name +
                                                " but the repository has no such file");
      }
    }
  }

  for (const Planned& p : planned) {
    if (p.meta) out.bytes_downloaded += fetch_blob(id.repo, rdir, p.file, *p.meta, &requests);
  }
  // Only now, with every blob in place, does the snapshot appear.
  for (const Planned& p : planned) {
    if (p.meta) link_snapshot_file(rdir, commit, p.file, p.meta->etag);
    out.files.push_back(p.file);
  }
  for (const std::string& f : absent) mark_no_exist(rdir, commit, f);
  write_ref(rdir, id.revision, commit);
  out.path = snapshot;
  out.commit = commit;
  out.requests = requests;
  return out;
}

fs::path HubClient::download_file(const HubRepoId& id, const std::string& file) const {
  if (!is_safe_repo_path(file)) throw Error(ErrorCode::InvalidArgument, "invalid file name '" + file + "'");
  const fs::path rdir = repo_dir(id.repo);
  if (options_.offline) {
    if (auto cached = find_cached_snapshot_in(rdir, id.revision); cached && is_regular(*cached / file)) {
      return *cached / file;
    }
    throw Error(ErrorCode::NotFound, "'" + file + "' of '" + id.repo + "' (revision " + id.revision +
                                         ") is not in the Hugging Face cache at " + rdir.string() +
                                         " and HF_HUB_OFFLINE is set");
  }
  if (is_commit_hash(id.revision) && is_regular(rdir / "snapshots" / id.revision / file)) {
    return rdir / "snapshots" / id.revision / file;
  }
  std::size_t requests = 0;
  HubFileMetadata meta;
  try {
    meta = metadata_counted(id.repo, id.revision, file, &requests);
  } catch (const HubEntryNotFound& e) {
    if (!e.commit().empty() && is_commit_hash(e.commit())) mark_no_exist(rdir, e.commit(), file);
    throw;
  }
  fetch_blob(id.repo, rdir, file, meta, &requests);
  link_snapshot_file(rdir, meta.commit, file, meta.etag);
  write_ref(rdir, id.revision, meta.commit);
  return rdir / "snapshots" / meta.commit / file;
}

HubSnapshot download_hub_model(const HubRepoId& id) { return HubClient(HubClientOptions::from_env()).download_model(id); }

}  // namespace rerank::io
