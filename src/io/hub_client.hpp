// A Hugging Face Hub client: downloads a model repo's files over HTTPS (libcurl) into the
// cache that Python's huggingface_hub uses, so each reuses the other's downloads.
//
// URL layout: {endpoint}/{org/name}/resolve/{revision}/{file}. A HEAD request gives the
// commit (X-Repo-Commit), the blob name (X-Linked-Etag for LFS files = sha256 of the
// content, else ETag = git blob id) and the size; LFS files answer with a redirect to a CDN,
// whose URL is then fetched. Blobs are written as blobs/<etag>.incomplete, resumed with
// Range requests after a dropped connection, checked against the sha256 ETag, then renamed;
// snapshot symlinks and refs are written only once every file of the model is in place.
//
// Thread-safety: a HubClient is immutable after construction; concurrent calls are safe,
// and concurrent downloads of one blob (also by Python) serialise on a lock file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/hub_cache.hpp"
#include "io/http_client.hpp"
#include "rerank/error.hpp"

namespace rerank::io {

struct HubClientOptions {
  std::string endpoint = "https://huggingface.co";  // no trailing '/'
  std::string token;                                // sent as Bearer to the endpoint only; never logged
  std::filesystem::path cache_dir;                  // the hub cache (…/hub)
  bool offline = false;                             // never touch the network
  // HEAD requests: connect, total, stall.
  HttpTimeouts metadata_timeouts{std::chrono::seconds(10), std::chrono::seconds(10), std::chrono::seconds(10)};
  // File bodies: no total limit, 10 s stall limit.
  HttpTimeouts download_timeouts{std::chrono::seconds(10), std::chrono::seconds(0), std::chrono::seconds(10)};
  int max_retries = 4;  // extra attempts after connection errors, timeouts, 429 and 5xx
  int max_metadata_retries = 1;  // HEAD requests: fewer, so an unreachable Hub fails fast
  std::chrono::milliseconds retry_backoff{500};  // doubled after each attempt, at most 8 s
  // Human-readable progress lines ("downloading model.safetensors (1.7 MB)"); may be empty.
  std::function<void(const std::string&)> log;
  // Body bytes of `file` received so far and its size when known; may be empty.
  std::function<void(const std::string& file, std::uint64_t done, std::uint64_t total)> on_progress;

  // From the environment, like huggingface_hub: HF_ENDPOINT; HF_TOKEN (or
  // HUGGING_FACE_HUB_TOKEN, or the token file $HF_TOKEN_PATH / $HF_HOME/token that
  // `huggingface-cli login` writes); the cache from hub_cache_dir(); HF_HUB_OFFLINE;
  // HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT (seconds).
  static HubClientOptions from_env();
};

// What a HEAD request on a resolve URL says about one file.
struct HubFileMetadata {
  std::string commit;                 // the commit the revision resolved to
  std::string etag;                   // normalised: no quotes, no W/
  std::optional<std::uint64_t> size;  // X-Linked-Size or Content-Length
  std::string download_url;           // the CDN URL for LFS files, else the resolve URL
};

// A file that does not exist in the repo at that revision (the repo and revision do).
// `commit` is the commit the server reported, when it did.
class HubEntryNotFound : public Error {
 public:
  HubEntryNotFound(const std::string& message, std::string commit)
      : Error(ErrorCode::NotFound, message), commit_(std::move(commit)) {}
  const std::string& commit() const { return commit_; }

 private:
  std::string commit_;
};

struct HubSnapshot {
  std::filesystem::path path;           // …/snapshots/<commit>
  std::string commit;
  std::vector<std::string> files;       // relative paths in the snapshot rerank fetched or found
  std::uint64_t bytes_downloaded = 0;   // 0 when everything was already cached
  std::size_t requests = 0;             // HTTP requests made (0: the cache answered alone)
};

class HubClient {
 public:
  explicit HubClient(HubClientOptions options = HubClientOptions::from_env());

  const HubClientOptions& options() const { return options_; }
  // models--org--name under options().cache_dir.
  std::filesystem::path repo_dir(const std::string& repo) const;

  // HEAD of one file. Throws HubEntryNotFound, Error(NotFound) for a missing repo or
  // revision, Error(Unauthorized) for 401/403, Error(Network) for the rest.
  HubFileMetadata file_metadata(const std::string& repo, const std::string& revision, const std::string& file) const;

  // Everything rerank needs to load the model: config.json, tokenizer.json,
  // tokenizer_config.json and special_tokens_map.json when present, and model.safetensors
  // or model.safetensors.index.json with its shards. A repo with only pytorch_model.bin is
  // Error(NotSupported). A complete cached snapshot of a commit hash needs no request; of a
  // branch or tag, one (the revision check). Offline, the cached snapshot or Error(NotFound).
  HubSnapshot download_model(const HubRepoId& id) const;

  // One file into the cache (blob, snapshot pointer, ref); returns the pointer's path.
  // Offline: the cached file or Error(NotFound).
  std::filesystem::path download_file(const HubRepoId& id, const std::string& file) const;

 private:
  struct Planned;
  std::vector<std::pair<std::string, std::string>> auth_headers(const std::string& url) const;
  std::string resolve_url(const std::string& repo, const std::string& revision, const std::string& file) const;
  // Downloads blobs/<etag> unless present; returns the bytes received.
  std::uint64_t fetch_blob(const std::string& repo, const std::filesystem::path& repo_dir, const std::string& file,
                           const HubFileMetadata& meta, std::size_t* requests) const;
  HubFileMetadata metadata_counted(const std::string& repo, const std::string& revision, const std::string& file,
                                   std::size_t* requests) const;
  void log(const std::string& line) const;

  HubClientOptions options_;
};

// HubClient(HubClientOptions::from_env()).download_model(id).
HubSnapshot download_hub_model(const HubRepoId& id);

}  // namespace rerank::io
