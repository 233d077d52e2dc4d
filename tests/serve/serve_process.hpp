// Header-only: `rerank serve` as a child process, for the tests that need the real CLI
// (flags, signals, exit codes, its stderr log).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace rerank::serve::testing {

class ServeProcess {
 public:
  // Starts `rerank serve ARGS` with stdout on a pipe and stderr in a file; returns once it
  // printed its "listening on" line (port() > 0) or exited (port() == 0).
  explicit ServeProcess(const std::vector<std::string>& args) {
    stderr_path_ = (dir_ / "stderr.log").string();
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      if (FILE* err = std::fopen(stderr_path_.c_str(), "w")) dup2(fileno(err), 2);
      std::vector<std::string> all = {rerank::testing::cli_path().string(), "serve"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
    char line[512];
    while (fgets(line, sizeof line, out_)) {
      std::cmatch m;
      if (std::regex_search(line, m, std::regex("listening on http://[^:]+:([0-9]+)"))) {
        port_ = std::stoi(m[1].str());
        break;
      }
    }
  }
  ~ServeProcess() {
    if (pid_ > 0 && exit_code_ == kRunning) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_) fclose(out_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  void signal(int sig) const { kill(pid_, sig); }

  // The exit status (128 + N for signal N), or -1 when it is still running after `timeout`
  // (it is then killed).
  int wait_exit(std::chrono::milliseconds timeout) {
    if (exit_code_ != kRunning) return exit_code_;
    const auto until = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    exit_code_ = -1;
    return -1;
  }

  std::string stderr_text() const {
    std::ifstream in(stderr_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  static constexpr int kRunning = -1000;
  rerank::testing::TempDir dir_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
  int exit_code_ = kRunning;
};

}  // namespace rerank::serve::testing
