// Round trips through our own `rerank serve --model bm25`, started from the CLI binary on
// an ephemeral 127.0.0.1 port: every dialect it speaks (Cohere v2, Jina/Cohere v1,
// Mixedbread, TEI, llama.cpp, and its own with raw_scores) returns exactly the scores of
// calling the BM25 ranker directly. `rerank serve` is part of every build: a server that
// does not start fails every test here, it never skips.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace rerank::testing {
namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

const std::vector<Document>& documents() {
  static const std::vector<Document> docs = {
      {"d0", "The quick brown fox jumps over the lazy dog"},
      {"d1", "Neural rerankers score query document pairs with a cross-encoder"},
      {"d2", "BM25 ranks documents by term frequency and inverse document frequency"},
      {"d3", "A fox is a small omnivorous mammal; the red fox is the largest"},
      {"d4", "Dogs and foxes are both canids"},
  };
  return docs;
}

class ServeRoundTrip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const CommandResult help = run_cli("serve --help");
    if (help.exit_code != 0) {
      ready_error_ = "`rerank serve --help` failed (exit " + std::to_string(help.exit_code) +
                     "): " + help.err.substr(0, 200);
      return;
    }
    port_ = free_port();
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    log_ = std::make_unique<TempDir>();
    const std::string cli = cli_path().string();
    const std::string port = std::to_string(port_);
    const std::string log = (log_->path() / "serve.log").string();
    std::vector<std::string> args = {cli, "serve", "--model", "bm25", "--host", "127.0.0.1", "--port", port};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, cli.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    if (pid_ <= 0) {
      ready_error_ = "could not start " + cli;
      return;
    }
    // Ready when our own dialect answers (no retries: poll instead).
    LoadOptions probe_options;
    probe_options.params = {{"retries", "0"}, {"timeout", "2"}, {"breaker_failures", "0"}};
    auto probe = load("rerank:" + url_, probe_options);
    for (int i = 0; i < 150; ++i) {
      try {
        probe->score_documents("fox", documents());
        return;
      } catch (const Error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
    }
    ready_error_ = "rerank serve did not answer on " + url_ + "; its log: " + read_file(log_->path() / "serve.log");
  }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    pid_ = -1;
    log_.reset();
  }

  void SetUp() override { ASSERT_TRUE(ready_error_.empty()) << ready_error_; }

  void expect_same_scores_as_bm25(const std::string& spec, const std::map<std::string, std::string>& params,
                                  bool needs_key) {
    LoadOptions options;
    options.endpoint = url_;
    if (needs_key) options.api_key = "unused-by-an-open-server";
    options.params = params;
    options.params["retries"] = "0";
    auto remote = load(spec, options);
    auto local = load("bm25");
    for (const std::string query : {"fox", "reranking documents", "lazy dogs and red foxes"}) {
      const Scores direct = local->score_documents(query, documents());
      const Scores served = remote->score_documents(query, documents());
      ASSERT_TRUE(std::any_of(direct.values.begin(), direct.values.end(), [](double v) { return v > 0; }));
      EXPECT_EQ(served.values, direct.values) << spec << " query '" << query << "'";
    }
  }

  static inline pid_t pid_ = -1;
  static inline int port_ = 0;
  static inline std::string url_;
  static inline std::string ready_error_;
  static inline std::unique_ptr<TempDir> log_;
};

// One test for all dialects: ctest runs each test in its own process, and starting the
// server dominates the time.
TEST_F(ServeRoundTrip, EveryDialectGivesTheScoresOfCallingBm25Directly) {
  struct Case {
    std::string spec;
    std::map<std::string, std::string> params;
    bool needs_key;
  };
  const std::vector<Case> cases = {
      {"rerank:http://placeholder", {{"raw_scores", "true"}}, false},      // POST /v1/rerank + raw_scores
      {"cohere:rerank-v3.5", {}, true},                                     // POST /v2/rerank
      {"jina:jina-reranker-v2-base-multilingual", {}, true},                // POST /v1/rerank (Jina, Cohere v1)
      {"mixedbread:mxbai-rerank-large-v2", {}, true},                       // POST /v1/reranking
      {"tei:http://placeholder", {{"raw_scores", "true"}}, false},          // POST /rerank with texts
      {"llamacpp:http://placeholder", {}, false},                           // POST /v1/rerank (llama.cpp)
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spec);
    expect_same_scores_as_bm25(c.spec, c.params, c.needs_key);
  }
}

}  // namespace
}  // namespace rerank::testing
