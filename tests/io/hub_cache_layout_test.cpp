// The Hugging Face cache shared with Python's huggingface_hub, in both directions, from the
// layout huggingface_hub documents ("Manage the huggingface_hub cache-system"):
//   <cache>/models--org--name/blobs/<etag>        content, named by the file's ETag: the git
//                                                 blob SHA-1 for regular files, the SHA-256
//                                                 of the content for LFS files
//   <cache>/models--org--name/refs/<revision>     the commit hash, no newline
//   <cache>/models--org--name/snapshots/<commit>/<path>  relative symlink into ../../blobs
//   <cache>/models--org--name/.no_exist/<commit>/<path>  empty: known absent at that commit
//   <cache>/.locks/models--org--name/<etag>.lock
// Reading: rerank uses a cache laid out that way (snapshots, refs, tags, older commits,
// nested paths). Writing: what rerank's downloader leaves is what huggingface_hub's
// try_to_load_from_cache() would find, byte for byte, under the names Python would give.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/hub_cache.hpp"
#include "io/hub_client.hpp"
#include "io/hub_fake_server.hpp"
#include "io/sha256.hpp"
#include "rankers/spec_resolver.hpp"
#include "rerank/ranker.hpp"
#include "support/git_blob.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;

namespace rerank::io {
namespace {

using rerank::testing::FakeHub;
using rerank::testing::FakeRepo;
using rerank::testing::git_blob_sha1;
using rerank::testing::read_file;
using rerank::testing::TempDir;
using rerank::testing::write_file;

constexpr const char* kNew = "2439f60ef33a0d46d85da5001d52aeda5b00ce9f";
constexpr const char* kOld = "bbc77c8132af1cc5cf678da3f1ddf2de43606d48";

bool is_lfs(const std::string& path) { return path.ends_with(".safetensors") || path == "tokenizer.json"; }

// The blob name huggingface_hub gives a file: its ETag as the Hub sends it.
std::string python_blob_name(const std::string& path, const std::string& content) {
  return is_lfs(path) ? sha256_hex(content) : git_blob_sha1(content);
}

// huggingface_hub's try_to_load_from_cache(repo_id, filename, cache_dir, revision), written
// from its documented behaviour: refs/<revision> read verbatim (no strip) when present, then
// .no_exist/<commit>/<file> means "known absent", else snapshots/<commit>/<file> if it is a
// file (following the symlink). "absent" for the known-absent answer, nullopt for a miss.
std::optional<std::string> python_lookup(const fs::path& cache, const std::string& repo, const std::string& file,
                                         std::string revision = "main") {
  std::string folder = "models--";
  for (const char c : repo) folder += c == '/' ? std::string("--") : std::string(1, c);
  const fs::path repo_cache = cache / folder;
  if (!fs::is_directory(repo_cache)) return std::nullopt;
  if (fs::is_regular_file(repo_cache / "refs" / revision)) revision = read_file(repo_cache / "refs" / revision);
  if (fs::is_regular_file(repo_cache / ".no_exist" / revision / file)) return "absent";
  const fs::path cached = repo_cache / "snapshots" / revision / file;
  if (!fs::is_regular_file(cached)) return std::nullopt;
  return cached.string();
}

// Writes `files` at `commit` the way huggingface_hub's download does: blob, then the relative
// symlink, a lock file under <cache>/.locks.
void python_write(const fs::path& cache, const std::string& folder, const std::string& commit,
                  const std::map<std::string, std::string>& files) {
  const fs::path rdir = cache / folder;
  for (const auto& [path, content] : files) {
    const std::string blob = python_blob_name(path, content);
    fs::create_directories(rdir / "blobs");
    write_file(rdir / "blobs" / blob, content);
    fs::create_directories(cache / ".locks" / folder);
    write_file(cache / ".locks" / folder / (blob + ".lock"), "");
    const fs::path pointer = rdir / "snapshots" / commit / path;
    fs::create_directories(pointer.parent_path());
    // os.path.relpath(blob, dirname(pointer)): one ".." per folder below the cache folder.
    fs::path target;
    for (fs::path p = fs::path(path).parent_path(); !p.empty(); p = p.parent_path()) target /= "..";
    fs::create_symlink(target / ".." / ".." / "blobs" / blob, pointer);
  }
}

std::map<std::string, std::string> synthetic_checkpoint(const std::string& architecture) {
  return {
      {"config.json", R"({"architectures": [")" + architecture +
                          R"("], "model_type": "bert", "hidden_size": 8, "num_labels": 1})"},
      {"tokenizer.json", R"({"version": "1.0", "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}})"},
      {"tokenizer_config.json", R"({"model_max_length": 512})"},
      {"model.safetensors", std::string(4096, '\x01')},
      {"1_Pooling/config.json", R"({"pooling_mode_cls_token": true})"},
  };
}

class HubCacheLayout : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.set("HF_HUB_CACHE", cache().string());
    env_.set("HF_HOME", (tmp_ / "home").string());
    for (const char* v : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE",
                          "TRANSFORMERS_OFFLINE", "HUGGINGFACE_HUB_CACHE"}) {
      env_.set(v, std::nullopt);
    }
    env_.set("HF_ENDPOINT", hub_.endpoint());
  }

  fs::path cache() const { return tmp_ / "hub"; }

  // A cache as Python leaves it after two downloads of "org/from-python": commit kOld tagged
  // v1.0, then kNew on main, whose config differs; special_tokens_map.json known absent.
  void write_python_cache(const std::map<std::string, std::string>& files) {
    const std::string folder = "models--org--from-python";
    std::map<std::string, std::string> old_files = files;
    old_files["config.json"] = synthetic_checkpoint("BertForMaskedLM")["config.json"];
    python_write(cache(), folder, kOld, old_files);
    python_write(cache(), folder, kNew, files);
    fs::create_directories(cache() / folder / "refs");
    write_file(cache() / folder / "refs" / "main", kNew);
    write_file(cache() / folder / "refs" / "v1.0", kOld);
    for (const char* commit : {kOld, kNew}) {
      fs::create_directories(cache() / folder / ".no_exist" / commit);
      write_file(cache() / folder / ".no_exist" / commit / "special_tokens_map.json", "");
    }
  }

  TempDir tmp_;
  rerank::testing::ScopedEnv env_;
  FakeHub hub_;
};

TEST_F(HubCacheLayout, ReadsACacheLaidOutByHuggingfaceHub) {
  write_python_cache(synthetic_checkpoint("BertForSequenceClassification"));
  const fs::path rdir = cache() / "models--org--from-python";
  // The layout is the documented one (this guards the writer above as much as rerank).
  EXPECT_EQ(fs::read_symlink(rdir / "snapshots" / kNew / "1_Pooling" / "config.json").parent_path(),
            fs::path("../../../blobs"));
  EXPECT_TRUE(fs::is_regular_file(rdir / "blobs" / git_blob_sha1(synthetic_checkpoint("x")["tokenizer_config.json"])));

  // Online, a complete snapshot needs no request; offline it is the only source.
  ModelSource src = resolve_spec("org/from-python", LoadOptions{});
  EXPECT_EQ(src.directory, rdir / "snapshots" / kNew);
  EXPECT_EQ(src.type, "cross-encoder");
  EXPECT_EQ(hub_.total_requests(), 0u);
  env_.set("HF_HUB_OFFLINE", "1");
  EXPECT_EQ(resolve_spec("org/from-python@main", LoadOptions{}).directory, rdir / "snapshots" / kNew);
  // A tag through refs/, and a commit hash directly: the older snapshot.
  EXPECT_EQ(find_cached_snapshot({"org/from-python", "v1.0"}), rdir / "snapshots" / kOld);
  EXPECT_EQ(find_cached_snapshot({"org/from-python", kOld}), rdir / "snapshots" / kOld);
  EXPECT_EQ(read_file(*find_cached_snapshot({"org/from-python", "v1.0"}) / "config.json"),
            synthetic_checkpoint("BertForMaskedLM")["config.json"]);
  const HubSnapshot snap = HubClient(HubClientOptions::from_env()).download_model({"org/from-python", "main"});
  EXPECT_EQ(snap.commit, kNew);
  EXPECT_EQ(hub_.total_requests(), 0u);
}

// With the real fixture in a Python-written cache, the model loads offline and scores exactly
// as it does from its own folder.
TEST_F(HubCacheLayout, LoadsAndScoresAModelFromAPythonWrittenCache) {
  RERANK_REQUIRE_SHARED(folder, "reference/bert-ce");
  std::map<std::string, std::string> files;
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"}) {
    files[f] = read_file(folder / f);
  }
  write_python_cache(files);
  env_.set("HF_HUB_OFFLINE", "1");
  const std::vector<Document> docs = {{"a", "a cat sat on the mat"}, {"b", "stock markets fell"}};
  const Scores from_cache = load("org/from-python")->score_documents("where did the cat sit?", docs);
  const Scores from_folder = load(folder.string())->score_documents("where did the cat sit?", docs);
  EXPECT_EQ(from_cache.values, from_folder.values);
  EXPECT_EQ(hub_.total_requests(), 0u);
}

TEST_F(HubCacheLayout, WritesWhatHuggingfaceHubReads) {
  FakeRepo repo;
  repo.commit = kNew;
  repo.files = synthetic_checkpoint("BertForSequenceClassification");
  repo.files.erase("1_Pooling/config.json");
  hub_.add_repo("org/written-by-rerank", repo);
  const HubSnapshot snap = HubClient(HubClientOptions::from_env()).download_model({"org/written-by-rerank", "main"});
  ASSERT_EQ(snap.commit, kNew);

  const fs::path rdir = cache() / "models--org--written-by-rerank";
  EXPECT_EQ(read_file(rdir / "refs" / "main"), kNew);  // Python reads it without stripping
  for (const auto& [path, content] : repo.files) {
    SCOPED_TRACE(path);
    const std::optional<std::string> found = python_lookup(cache(), "org/written-by-rerank", path);
    ASSERT_TRUE(found && *found != "absent");
    EXPECT_EQ(read_file(*found), content);
    // The name Python gives the blob: git blob SHA-1 for regular files, SHA-256 for LFS ones
    // (the fake Hub, like huggingface.co, serves *.safetensors through LFS).
    const std::string blob = path.ends_with(".safetensors") ? sha256_hex(content) : git_blob_sha1(content);
    EXPECT_EQ(fs::read_symlink(rdir / "snapshots" / kNew / path), fs::path("../../blobs") / blob);
    EXPECT_TRUE(fs::is_regular_file(rdir / "blobs" / blob));
  }
  // What the repo does not have, Python is told is absent (no request on its next lookup).
  EXPECT_EQ(python_lookup(cache(), "org/written-by-rerank", "special_tokens_map.json"), "absent");
  EXPECT_EQ(fs::file_size(rdir / ".no_exist" / kNew / "special_tokens_map.json"), 0u);
  EXPECT_EQ(python_lookup(cache(), "org/written-by-rerank", "config.json", kNew).value_or(""),
            (rdir / "snapshots" / kNew / "config.json").string());
  // Nothing half-written, and locks where huggingface_hub keeps them (not inside the repo).
  for (const auto& e : fs::recursive_directory_iterator(rdir)) {
    EXPECT_EQ(e.path().string().find(".incomplete"), std::string::npos) << e.path();
    EXPECT_NE(e.path().extension(), ".lock") << e.path();
  }
  EXPECT_EQ(hub_lock_path(rdir, "x").parent_path(), cache() / ".locks" / "models--org--written-by-rerank");
}

}  // namespace
}  // namespace rerank::io
