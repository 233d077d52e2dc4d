// The Hub client against a fake Hub on 127.0.0.1 serving ../shared/reference folders in
// the Hub's URL layout. Every test uses its own cache in a TempDir (HF_HUB_CACHE), never
// the real ~/.cache.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/hub_cache.hpp"
#include "io/hub_client.hpp"
#include "io/hub_fake_server.hpp"
#include "io/hub_files.hpp"
#include "io/sha256.hpp"
#include "rankers/spec_resolver.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;

namespace rerank::io {
namespace {

using rerank::testing::FakeHub;
using rerank::testing::FakeRepo;
using rerank::testing::read_file;
using rerank::testing::TempDir;

constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";
constexpr const char* kRepo = "cross-encoder/bert-ce";

std::size_t count_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() || e.is_symlink();
  return n;
}

using rerank::testing::code_of;

class HubClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.set("HF_HUB_CACHE", (tmp_ / "hub").string());
    env_.set("HF_HOME", (tmp_ / "home").string());
    for (const char* v : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE",
                          "TRANSFORMERS_OFFLINE", "HUGGINGFACE_HUB_CACHE"}) {
      env_.set(v, std::nullopt);
    }
    env_.set("HF_HUB_DISABLE_PROGRESS_BARS", "1");
    env_.set("HF_ENDPOINT", hub_.endpoint());
  }

  // Adds ../shared/reference/<folder> as `repo`; false when shared/ is absent.
  bool add_reference_repo(const std::string& folder, const std::string& repo = kRepo,
                          const std::string& commit = kCommit) {
    auto path = rerank::testing::shared_path("reference/" + folder);
    if (!path) return false;
    source_ = *path;
    hub_.add_repo(repo, FakeHub::repo_from_folder(*path, commit));
    return true;
  }

  HubClientOptions options() const {
    HubClientOptions o = HubClientOptions::from_env();
    o.retry_backoff = std::chrono::milliseconds(10);
    o.metadata_timeouts = {std::chrono::seconds(2), std::chrono::seconds(5), std::chrono::seconds(2)};
    o.download_timeouts = {std::chrono::seconds(2), std::chrono::seconds(0), std::chrono::seconds(2)};
    return o;
  }

  fs::path cache() const { return tmp_ / "hub"; }
  fs::path repo_dir(const std::string& repo = kRepo) const {
    return cache() / hub_repo_cache_dir(repo).filename();
  }

  TempDir tmp_;
  rerank::testing::ScopedEnv env_;
  FakeHub hub_;
  fs::path source_;
};

std::string reference_data(const std::string& folder) {
  return rerank::testing::shared_data_description("reference/" + folder);
}

#define REQUIRE_REFERENCE(folder) \
  if (!add_reference_repo(folder)) RERANK_MISSING(reference_data(folder))

TEST_F(HubClientTest, ColdCacheWritesHuggingfaceHubLayout) {
  REQUIRE_REFERENCE("bert-ce");
  const HubSnapshot snap = HubClient(options()).download_model({kRepo, "main"});

  EXPECT_EQ(snap.commit, kCommit);
  EXPECT_EQ(snap.path, repo_dir() / "snapshots" / kCommit);
  EXPECT_EQ(repo_dir().filename(), "models--cross-encoder--bert-ce");
  EXPECT_EQ(read_file(repo_dir() / "refs" / "main"), kCommit);  // no newline, like Python
  EXPECT_GT(snap.bytes_downloaded, 1000000u);
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"}) {
    const fs::path pointer = snap.path / f;
    ASSERT_TRUE(fs::is_symlink(pointer)) << f;
    const fs::path target = fs::read_symlink(pointer);
    EXPECT_EQ(target.parent_path(), fs::path("../../blobs")) << f;  // relative, into blobs/
    EXPECT_EQ(read_file(pointer), read_file(source_ / f)) << f;
  }
  // The LFS blob is named by the sha256 of its content (the X-Linked-Etag).
  const std::string sha = sha256_file_hex(source_ / "model.safetensors");
  EXPECT_EQ(fs::read_symlink(snap.path / "model.safetensors").filename(), sha);
  EXPECT_TRUE(fs::is_regular_file(repo_dir() / "blobs" / sha));
  // The optional file the repo lacks is recorded, as huggingface_hub does.
  EXPECT_TRUE(fs::exists(repo_dir() / ".no_exist" / kCommit / "special_tokens_map.json"));
  EXPECT_FALSE(fs::exists(snap.path / "special_tokens_map.json"));
  for (const auto& e : fs::recursive_directory_iterator(repo_dir())) {
    EXPECT_NE(e.path().extension(), ".incomplete") << "leftover " << e.path();
  }
  EXPECT_TRUE(snapshot_is_complete(snap.path));
  EXPECT_EQ(hub_.cdn_gets(), 1u);  // only model.safetensors is an LFS file
}

TEST_F(HubClientTest, WarmCacheNeedsOnlyTheRevisionCheckAndNoBodies) {
  REQUIRE_REFERENCE("bert-ce");
  HubClient client(options());
  client.download_model({kRepo, "main"});
  const std::size_t before = hub_.total_requests();
  const HubSnapshot again = client.download_model({kRepo, "main"});
  EXPECT_EQ(again.requests, 1u);
  EXPECT_EQ(again.bytes_downloaded, 0u);
  EXPECT_EQ(hub_.total_requests(), before + 1);
  EXPECT_EQ(hub_.hub_server().requests().back().method, "HEAD");

  // A commit hash names immutable content: no request at all.
  hub_.stop();
  const HubSnapshot by_commit = client.download_model({kRepo, kCommit});
  EXPECT_EQ(by_commit.requests, 0u);
  EXPECT_EQ(by_commit.path, again.path);
}

TEST_F(HubClientTest, UnreachableHubFallsBackToACompleteCachedSnapshot) {
  REQUIRE_REFERENCE("bert-ce");
  HubClient client(options());
  const fs::path path = client.download_model({kRepo, "main"}).path;
  hub_.stop();
  EXPECT_EQ(client.download_model({kRepo, "main"}).path, path);
  // Not cached: a clear network error that names the offline switch.
  std::string message;
  EXPECT_EQ(code_of([&] { client.download_model({"cross-encoder/other", "main"}); }, &message), ErrorCode::Network);
  EXPECT_NE(message.find("HF_HUB_OFFLINE"), std::string::npos) << message;
}

TEST_F(HubClientTest, ResolveSpecDownloadsOnceThenUsesTheCacheWithoutNetwork) {
  REQUIRE_REFERENCE("bert-ce");
  const ModelSource src = resolve_spec(kRepo, LoadOptions{});
  EXPECT_EQ(src.type, "cross-encoder");
  EXPECT_EQ(src.model, kRepo);
  EXPECT_EQ(src.revision, "main");
  EXPECT_EQ(src.architecture, "BertForSequenceClassification");
  EXPECT_EQ(src.directory, repo_dir() / "snapshots" / kCommit);
  EXPECT_GT(hub_.total_requests(), 0u);

  const std::size_t before = hub_.total_requests();
  hub_.stop();
  const ModelSource warm = resolve_spec(kRepo, LoadOptions{});
  EXPECT_EQ(warm.directory, src.directory);
  EXPECT_EQ(hub_.total_requests(), before);

  // Loading goes through the same cache, with the Hub still down: the cross-encoder loads
  // from the snapshot and scores.
  const std::unique_ptr<Ranker> ranker = rerank::load(kRepo);
  ASSERT_NE(ranker, nullptr);
  const std::vector<Document> docs = {Document{"d", "a document"}};
  EXPECT_EQ(ranker->score_documents("a query", docs).values.size(), 1u);
}

// A model loaded through the Hub scores the reference cases like the folder it came from:
// transformers' logits within 1e-4 (the raw score is the logit, or logit1 - logit0 for
// 2-label models).
TEST_F(HubClientTest, HubLoadedCrossEncodersMatchReferenceLogits) {
  std::size_t checked = 0;
  for (const std::string folder : {"bert-ce", "bert-ce-2label", "xlmr-ce", "electra-ce"}) {
    const std::string repo = "org/" + folder;
    if (!add_reference_repo(folder, repo)) RERANK_MISSING(reference_data(folder));
    const nlohmann::json cases = nlohmann::json::parse(read_file(source_ / "cases.json"));
    for (const auto& c : cases["cases"]) {
      LoadOptions options;
      options.max_length = c["max_length"].get<std::size_t>();
      options.truncation = c["truncation"].get<std::string>();
      const std::unique_ptr<Ranker> ranker = rerank::load(repo, options);
      ASSERT_NE(ranker, nullptr) << folder;
      for (std::size_t i = 0; i < c["pairs"].size(); ++i) {
        const std::string query = c["pairs"][i][0].get<std::string>();
        const std::vector<Document> docs = {Document{"d", c["pairs"][i][1].get<std::string>()}};
        const auto& logits = c["logits"][i];
        const double expected =
            logits.size() == 2 ? logits[1].get<double>() - logits[0].get<double>() : logits[0].get<double>();
        const Scores scores = ranker->score_documents(query, docs);
        ASSERT_EQ(scores.values.size(), 1u);
        EXPECT_NEAR(scores.values[0], expected, 1e-4) << folder << " pair " << i;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST_F(HubClientTest, XlmRobertaCheckpointAndRevisionSyntax) {
  if (!add_reference_repo("xlmr-ce", "BAAI/xlmr-ce")) RERANK_MISSING(reference_data("xlmr-ce"));
  const ModelSource src = resolve_spec("BAAI/xlmr-ce@main", LoadOptions{});
  EXPECT_EQ(src.architecture, "XLMRobertaForSequenceClassification");
  EXPECT_EQ(read_file(src.directory / "model.safetensors"), read_file(source_ / "model.safetensors"));
  EXPECT_EQ(read_file(src.directory / "tokenizer.json"), read_file(source_ / "tokenizer.json"));
}

TEST_F(HubClientTest, OfflineUsesTheCacheAndFailsClearlyWithoutIt) {
  REQUIRE_REFERENCE("bert-ce");
  HubClient(options()).download_model({kRepo, "main"});
  const std::size_t before = hub_.total_requests();
  env_.set("HF_HUB_OFFLINE", "1");
  const ModelSource src = resolve_spec(kRepo, LoadOptions{});
  EXPECT_EQ(src.directory, repo_dir() / "snapshots" / kCommit);
  EXPECT_EQ(HubClient(options()).download_model({kRepo, "main"}).path, src.directory);

  std::string message;
  EXPECT_EQ(code_of([&] { resolve_spec("cross-encoder/not-cached", LoadOptions{}); }, &message), ErrorCode::NotFound);
  EXPECT_NE(message.find("HF_HUB_OFFLINE"), std::string::npos) << message;
  EXPECT_NE(message.find((cache() / "models--cross-encoder--not-cached").string()), std::string::npos) << message;
  EXPECT_EQ(code_of([&] { HubClient(options()).download_model({"cross-encoder/not-cached", "main"}); }),
            ErrorCode::NotFound);
  EXPECT_EQ(hub_.total_requests(), before);  // offline means no request at all
}

TEST_F(HubClientTest, ReusesACacheWrittenByPythonHuggingfaceHub) {
  // The layout huggingface_hub writes, built by hand: blobs, relative symlinks, refs.
  RERANK_REQUIRE_SHARED(folder, "reference/bert-ce");
  const fs::path rdir = repo_dir("cross-encoder/from-python");
  const fs::path snap = rdir / "snapshots" / kCommit;
  fs::create_directories(rdir / "blobs");
  fs::create_directories(snap);
  fs::create_directories(rdir / "refs");
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"}) {
    const std::string etag = sha256_file_hex(folder / f);
    fs::copy_file(folder / f, rdir / "blobs" / etag);
    fs::create_symlink(fs::path("../../blobs") / etag, snap / f);
  }
  rerank::testing::write_file(rdir / "refs" / "main", kCommit);
  hub_.stop();
  env_.set("HF_HUB_OFFLINE", "1");
  const ModelSource src = resolve_spec("cross-encoder/from-python", LoadOptions{});
  EXPECT_EQ(src.directory, snap);
  EXPECT_EQ(src.type, "cross-encoder");
}

TEST_F(HubClientTest, MissingRepoRevisionAndFilesAreNotFound) {
  REQUIRE_REFERENCE("bert-ce");
  HubClient client(options());
  std::string message;
  EXPECT_EQ(code_of([&] { client.download_model({"nobody/nothing", "main"}); }, &message), ErrorCode::NotFound);
  EXPECT_NE(message.find("nobody/nothing"), std::string::npos) << message;
  EXPECT_NE(message.find("HF_TOKEN"), std::string::npos) << message;  // might be private
  EXPECT_EQ(code_of([&] { client.download_model({kRepo, "v9"}); }, &message), ErrorCode::NotFound);
  EXPECT_NE(message.find("revision 'v9'"), std::string::npos) << message;
  EXPECT_THROW(client.file_metadata(kRepo, "main", "nope.json"), HubEntryNotFound);
  EXPECT_EQ(count_files(cache() / "models--nobody--nothing" / "snapshots"), 0u);
}

TEST_F(HubClientTest, UnauthorizedMentionsHfTokenButNeverPrintsIt) {
  REQUIRE_REFERENCE("bert-ce");
  hub_.hub_force_status = 401;
  std::string message;
  EXPECT_EQ(code_of([&] { HubClient(options()).download_model({kRepo, "main"}); }, &message),
            ErrorCode::Unauthorized);
  EXPECT_NE(message.find("HF_TOKEN"), std::string::npos) << message;

  env_.set("HF_TOKEN", "hf_wrong_secret_value");
  EXPECT_EQ(code_of([&] { HubClient(options()).download_model({kRepo, "main"}); }, &message),
            ErrorCode::Unauthorized);
  EXPECT_NE(message.find("HF_TOKEN"), std::string::npos) << message;
  EXPECT_EQ(message.find("hf_wrong_secret_value"), std::string::npos) << message;
}

TEST_F(HubClientTest, PrivateRepoWithTokenSendsItToTheHubOnlyNotTheCdn) {
  RERANK_REQUIRE_SHARED(bert_ce, "reference/bert-ce");
  FakeRepo repo = FakeHub::repo_from_folder(bert_ce, kCommit);
  repo.private_repo = true;
  hub_.add_repo("org/private", repo);

  // Anonymous: the Hub hides the repo (401 + RepoNotFound) -> NotFound naming HF_TOKEN.
  std::string message;
  EXPECT_EQ(code_of([&] { HubClient(options()).download_model({"org/private", "main"}); }, &message),
            ErrorCode::NotFound);
  EXPECT_NE(message.find("HF_TOKEN"), std::string::npos) << message;

  // The token file `huggingface-cli login` writes under HF_HOME is honoured too.
  fs::create_directories(tmp_ / "home");
  rerank::testing::write_file(tmp_ / "home" / "token", hub_.token + "\n");
  HubClient(options()).download_model({"org/private", "main"});
  for (const auto& r : hub_.hub_server().requests()) {
    if (r.target.find("org/private") != std::string::npos && !r.header("authorization").empty()) {
      EXPECT_EQ(r.header("authorization"), "Bearer " + hub_.token);
    }
  }
  ASSERT_GT(hub_.cdn_server().requests().size(), 0u);
  for (const auto& r : hub_.cdn_server().requests()) EXPECT_EQ(r.header("authorization"), "") << r.target;
}

TEST_F(HubClientTest, GatedRepoIsUnauthorized) {
  RERANK_REQUIRE_SHARED(bert_ce, "reference/bert-ce");
  FakeRepo repo = FakeHub::repo_from_folder(bert_ce, kCommit);
  repo.gated = true;
  hub_.add_repo("org/gated", repo);
  std::string message;
  EXPECT_EQ(code_of([&] { HubClient(options()).download_model({"org/gated", "main"}); }, &message),
            ErrorCode::Unauthorized);
  EXPECT_NE(message.find("gated"), std::string::npos) << message;
}

TEST_F(HubClientTest, DroppedConnectionIsResumedWithARangeRequest) {
  REQUIRE_REFERENCE("bert-ce");
  hub_.drop_gets = 1;
  hub_.drop_after_bytes = 100000;
  const HubSnapshot snap = HubClient(options()).download_model({kRepo, "main"});
  EXPECT_EQ(read_file(snap.path / "model.safetensors"), read_file(source_ / "model.safetensors"));
  const auto cdn = hub_.cdn_server().requests();
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_EQ(cdn[0].header("range"), "");
  EXPECT_EQ(cdn[1].header("range"), "bytes=100000-");
}

TEST_F(HubClientTest, PartialDownloadIsResumedByTheNextRun) {
  REQUIRE_REFERENCE("bert-ce");
  hub_.drop_gets = 1;
  hub_.drop_after_bytes = 250000;
  HubClientOptions no_retry = options();
  no_retry.max_retries = 0;
  EXPECT_EQ(code_of([&] { HubClient(no_retry).download_model({kRepo, "main"}); }), ErrorCode::Network);
  const std::string sha = sha256_file_hex(source_ / "model.safetensors");
  const fs::path partial = repo_dir() / "blobs" / (sha + ".incomplete");
  ASSERT_TRUE(fs::exists(partial));
  EXPECT_EQ(fs::file_size(partial), 250000u);
  EXPECT_EQ(count_files(repo_dir() / "snapshots"), 0u);  // no half snapshot
  EXPECT_FALSE(fs::exists(repo_dir() / "refs" / "main"));

  const HubSnapshot snap = HubClient(no_retry).download_model({kRepo, "main"});
  EXPECT_EQ(hub_.cdn_server().requests().back().header("range"), "bytes=250000-");
  EXPECT_EQ(snap.bytes_downloaded, fs::file_size(source_ / "model.safetensors") - 250000);
  EXPECT_EQ(read_file(snap.path / "model.safetensors"), read_file(source_ / "model.safetensors"));
  EXPECT_FALSE(fs::exists(partial));
}

TEST_F(HubClientTest, CorruptedBodyIsATypedErrorAndLeavesNothingInSnapshots) {
  REQUIRE_REFERENCE("bert-ce");
  hub_.corrupt = true;
  std::string message;
  EXPECT_EQ(code_of([&] { HubClient(options()).download_model({kRepo, "main"}); }, &message), ErrorCode::Network);
  EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  EXPECT_EQ(count_files(repo_dir() / "snapshots"), 0u);
  const std::string sha = sha256_file_hex(source_ / "model.safetensors");
  EXPECT_FALSE(fs::exists(repo_dir() / "blobs" / sha));
  EXPECT_FALSE(fs::exists(repo_dir() / "blobs" / (sha + ".incomplete")));
  // Not found by spec resolution either: the corrupt model never became a snapshot.
  env_.set("HF_HUB_OFFLINE", "1");
  EXPECT_EQ(code_of([&] { resolve_spec(kRepo, LoadOptions{}); }), ErrorCode::NotFound);
}

TEST_F(HubClientTest, ServerErrorsAreRetriedAndThenReported) {
  REQUIRE_REFERENCE("bert-ce");
  hub_.fail_gets_503 = 2;
  HubClient(options()).download_model({kRepo, "main"});
  EXPECT_EQ(hub_.cdn_gets(), 3u);

  TempDir other;
  HubClientOptions o = options();
  o.cache_dir = other.path();
  o.max_retries = 1;
  hub_.fail_gets_503 = 5;
  std::string message;
  EXPECT_EQ(code_of([&] { HubClient(o).download_model({kRepo, "main"}); }, &message), ErrorCode::Network);
  EXPECT_NE(message.find("503"), std::string::npos) << message;
}

TEST_F(HubClientTest, StalledServerTimesOutInsteadOfHanging) {
  REQUIRE_REFERENCE("bert-ce");
  hub_.delay_ms = 30000;
  HubClientOptions o = options();
  o.download_timeouts = {std::chrono::seconds(1), std::chrono::seconds(0), std::chrono::seconds(1)};
  o.max_retries = 0;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(code_of([&] { HubClient(o).download_model({kRepo, "main"}); }), ErrorCode::Network);
  // Gave up after the 1 s stall limit (plus the metadata request), not when the server
  // finally answered: far below the 30 s stall, with room for a loaded host.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  hub_.delay_ms = 0;
}

TEST_F(HubClientTest, ConnectionRefusedIsANetworkError) {
  hub_.stop();
  HubClientOptions o = options();
  o.max_retries = 0;
  std::string message;
  EXPECT_EQ(code_of([&] { HubClient(o).download_model({kRepo, "main"}); }, &message), ErrorCode::Network);
  EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
}

TEST_F(HubClientTest, PytorchOnlyRepoIsNotSupported) {
  RERANK_REQUIRE_SHARED(folder, "reference/bert-ce");
  FakeRepo repo = FakeHub::repo_from_folder(folder, kCommit);
  repo.files["pytorch_model.bin"] = repo.files["model.safetensors"];
  repo.files.erase("model.safetensors");
  hub_.add_repo("org/pt-only", repo);
  std::string message;
  EXPECT_EQ(code_of([&] { HubClient(options()).download_model({"org/pt-only", "main"}); }, &message),
            ErrorCode::NotSupported);
  EXPECT_NE(message.find("safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("revision"), std::string::npos) << message;
  EXPECT_EQ(hub_.cdn_gets(), 0u);  // nothing big was downloaded to find out
}

TEST_F(HubClientTest, ShardedSafetensorsFetchesTheIndexAndEveryShard) {
  RERANK_REQUIRE_SHARED(folder, "reference/bert-ce");
  FakeRepo repo = FakeHub::repo_from_folder(folder, kCommit);
  repo.files.erase("model.safetensors");
  repo.files["model-00001-of-00002.safetensors"] = std::string(70000, 'a');
  repo.files["model-00002-of-00002.safetensors"] = std::string(50000, 'b');
  repo.files["model.safetensors.index.json"] =
      R"({"metadata":{"total_size":120000},"weight_map":{"a.weight":"model-00001-of-00002.safetensors",)"
      R"("b.weight":"model-00002-of-00002.safetensors","c.weight":"model-00001-of-00002.safetensors"}})";
  hub_.add_repo("org/sharded", repo);
  const HubSnapshot snap = HubClient(options()).download_model({"org/sharded", "main"});
  EXPECT_EQ(read_file(snap.path / "model-00001-of-00002.safetensors"), std::string(70000, 'a'));
  EXPECT_EQ(read_file(snap.path / "model-00002-of-00002.safetensors"), std::string(50000, 'b'));
  EXPECT_TRUE(fs::is_symlink(snap.path / "model.safetensors.index.json"));
  EXPECT_EQ(hub_.cdn_gets(), 2u);
  EXPECT_TRUE(snapshot_is_complete(snap.path));
  fs::remove(snap.path / "model-00002-of-00002.safetensors");
  EXPECT_FALSE(snapshot_is_complete(snap.path));
  // The next run fetches only what is missing (the blob is still there: no body).
  HubClient(options()).download_model({"org/sharded", "main"});
  EXPECT_TRUE(snapshot_is_complete(snap.path));
  EXPECT_EQ(hub_.cdn_gets(), 2u);
}

TEST_F(HubClientTest, UnsafeShardNamesAreRejected) {
  RERANK_REQUIRE_SHARED(folder, "reference/bert-ce");
  FakeRepo repo = FakeHub::repo_from_folder(folder, kCommit);
  repo.files.erase("model.safetensors");
  repo.files["model.safetensors.index.json"] = R"({"weight_map":{"a.weight":"../../evil.safetensors"}})";
  hub_.add_repo("org/evil", repo);
  EXPECT_EQ(code_of([&] { HubClient(options()).download_model({"org/evil", "main"}); }), ErrorCode::ModelFormat);
  EXPECT_FALSE(fs::exists(cache() / "evil.safetensors"));
}

TEST_F(HubClientTest, RenamedRepoRelativeRedirectIsFollowed) {
  REQUIRE_REFERENCE("bert-ce");
  hub_.add_rename("old-org/bert-ce", kRepo);
  const HubSnapshot snap = HubClient(options()).download_model({"old-org/bert-ce", "main"});
  // Stored under the id the user asked for, as huggingface_hub does.
  EXPECT_EQ(snap.path, repo_dir("old-org/bert-ce") / "snapshots" / kCommit);
  EXPECT_EQ(read_file(snap.path / "config.json"), read_file(source_ / "config.json"));
}

TEST_F(HubClientTest, SingleFileDownloadAndNoExistMarker) {
  REQUIRE_REFERENCE("bert-ce");
  HubClient client(options());
  const fs::path p = client.download_file({kRepo, "main"}, "config.json");
  EXPECT_EQ(p, repo_dir() / "snapshots" / kCommit / "config.json");
  EXPECT_EQ(read_file(p), read_file(source_ / "config.json"));
  EXPECT_THROW(client.download_file({kRepo, "main"}, "vocab.txt"), HubEntryNotFound);
  EXPECT_TRUE(fs::exists(repo_dir() / ".no_exist" / kCommit / "vocab.txt"));
  EXPECT_EQ(code_of([&] { client.download_file({kRepo, "main"}, "../x"); }), ErrorCode::InvalidArgument);
}

TEST_F(HubClientTest, CliDownloadPrintsTheSnapshotPath) {
  REQUIRE_REFERENCE("bert-ce");
  auto r = rerank::testing::run_cli(std::string("download ") + kRepo + " --revision main");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, (repo_dir() / "snapshots" / kCommit).string() + "\n");
  r = rerank::testing::run_cli(std::string("download ") + kRepo + "@" + kCommit + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  r = rerank::testing::run_cli("download nobody/nothing");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("nobody/nothing"), std::string::npos) << r.err;
  r = rerank::testing::run_cli("download not-an-id");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  env_.set("HF_HUB_OFFLINE", "1");
  r = rerank::testing::run_cli("download cross-encoder/not-cached");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("HF_HUB_OFFLINE"), std::string::npos) << r.err;
}

TEST(HubFiles, SafeRepoPaths) {
  EXPECT_TRUE(is_safe_repo_path("model.safetensors"));
  EXPECT_TRUE(is_safe_repo_path("onnx/model.onnx"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "a/", ".", "a\\b"}) {
    EXPECT_FALSE(is_safe_repo_path(bad)) << bad;
  }
}

TEST(HubFiles, IndexShardsAreUniqueAndSorted) {
  const auto shards = safetensors_index_shards(R"({"weight_map":{"x":"b.safetensors","y":"a.safetensors",
      "z":"b.safetensors"}})", "index");
  EXPECT_EQ(shards, (std::vector<std::string>{"a.safetensors", "b.safetensors"}));
  EXPECT_THROW(safetensors_index_shards("{", "index"), Error);
  EXPECT_THROW(safetensors_index_shards(R"({"weight_map":{}})", "index"), Error);
  EXPECT_THROW(safetensors_index_shards(R"({"weight_map":{"x":3}})", "index"), Error);
}

TEST(HubHttp, UrlHelpers) {
  EXPECT_EQ(url_encode("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(url_encode("a b/c.json", true), "a%20b/c.json");
  EXPECT_EQ(url_origin("https://HuggingFace.co:443/x/y?z"), "https://huggingface.co");
  EXPECT_EQ(url_origin("http://127.0.0.1:8080/a"), "http://127.0.0.1:8080");
  EXPECT_NE(url_origin("http://127.0.0.1:8080/a"), url_origin("http://127.0.0.1:8081/a"));
}

}  // namespace
}  // namespace rerank::io
