// `rerank serve` as a process: flags, the listening line, and SIGTERM draining then exiting 0.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

#include <gtest/gtest.h>

#include "serve_test_support.hpp"
#include "support/test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

// Starts the CLI with stdout on a pipe; returns after the "listening on" line (or EOF).
Child spawn_serve(const std::vector<std::string>& args, int* port) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<std::string> all = {rerank::testing::cli_path().string(), "serve"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  Child child{pid, fdopen(fds[0], "r")};
  char line[512];
  *port = 0;
  while (fgets(line, sizeof line, child.out)) {
    std::cmatch m;
    if (std::regex_search(line, m, std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)"))) {
      *port = std::stoi(m[1].str());
      break;
    }
  }
  return child;
}

int wait_exit(pid_t pid) {
  int status = 0;
  for (int i = 0; i < 1500; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

TEST(ServeCli, ServesAndExitsZeroOnSigterm) {
  rerank::testing::TempDir dir;
  rerank::testing::write_file(dir / "key", "file-key\n");
  int port = 0;
  Child child = spawn_serve({"--model", "bm25", "--port", "0", "--api-key-file", (dir / "key").string(),
                             "--max-queue", "8", "--timeout", "5"},
                            &port);
  ASSERT_GT(port, 0) << "no 'listening on' line";
  httplib::Client c("127.0.0.1", port);
  auto res = c.Post("/v2/rerank", {{"Authorization", "Bearer file-key"}},
                    json{{"query", "fox"}, {"documents", {"a fox", "a dog"}}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(parse(res->body)["results"][0]["index"], 0);
  EXPECT_EQ(c.Post("/v2/rerank", json{{"query", "fox"}, {"documents", {"a"}}}.dump(), "application/json")->status,
            401);
  kill(child.pid, SIGTERM);
  EXPECT_EQ(wait_exit(child.pid), 0);
  fclose(child.out);
}

TEST(ServeCli, BadFlagsAreUsageErrors) {
  auto r = rerank::testing::run_cli("serve --model bm25 --api-key a --api-key-file /nonexistent");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = rerank::testing::run_cli("serve --model bm25 --max-queue 0");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = rerank::testing::run_cli("serve --model no-such-type:thing --port 0");
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace rerank::serve::testing
