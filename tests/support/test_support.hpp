// Helpers shared by every test program: where ../shared is, running the CLI.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json_fwd.hpp>

#include "rerank/error.hpp"

namespace rerank::testing {

// The shared/ data folder ($RERANK_SHARED_DIR, else ../shared next to the checkout),
// or nullopt when it is absent.
std::optional<std::filesystem::path> shared_dir();

// shared_dir()/relative when it exists, else nullopt.
std::optional<std::filesystem::path> shared_path(const std::string& relative);

std::filesystem::path source_dir();
std::filesystem::path cli_path();

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `cli_path() args` through /bin/sh with `stdin_text` on standard input.
CommandResult run_cli(const std::string& args, const std::string& stdin_text = "");

// Runs an arbitrary shell command the same way.
CommandResult run_command(const std::string& command, const std::string& stdin_text = "");

// The code of the rerank::Error `f` throws (its message into `message`); a test failure when
// it throws none.
ErrorCode code_of(const std::function<void()>& f, std::string* message = nullptr);

// Spearman rank correlation (average ranks for ties); NaN when either side is constant.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

// This process's resident memory (VmRSS), in KiB.
std::size_t resident_kib();

// False in AddressSanitizer builds: ASan's quarantine keeps freed blocks resident (256 MiB by
// default), so a bound on resident memory would measure the sanitizer. Such tests still run
// and print their figure there; the bound is checked in the normal build.
bool resident_memory_bounds_apply();

// Sets environment variables for one test and restores what they were when it ends.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv();
  // `value` nullopt unsets the variable.
  void set(const std::string& name, const std::optional<std::string>& value);

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

std::string read_file(const std::filesystem::path& path);
// A JSON file (a fixture's cases.json), parsed; throws when it is missing or malformed.
nlohmann::json read_json(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);
// A three-document BEIR-style collection in DIR: corpus.jsonl, queries.jsonl (q1 "apple",
// q2 "banana smoothie"), qrels.tsv (q1 -> d1, q2 -> d3).
void write_tiny_collection(const std::filesystem::path& dir);

// Strict mode (CI): RERANK_REQUIRE_SHARED=1 in the environment. Then a test whose fixture
// (../shared data) or tool (node, chromium, ...) is missing fails instead of skipping, so a
// CI machine without them cannot report green.
bool strict_mode();

// "RERANK_REQUIRE_SHARED=1 and <what> is missing" or "<what> not found: test skipped (set
// RERANK_REQUIRE_SHARED=1 to make this a failure)": one wording for every such test.
std::string missing_message(const std::string& what);

// What RERANK_REQUIRE_SHARED names when `relative` is absent: "shared data <dir>/<relative>",
// <dir> being $RERANK_SHARED_DIR or the default ../shared.
std::string shared_data_description(const std::string& relative);

}  // namespace rerank::testing

// The one way a test gives up for a missing fixture or tool: skips it (the user's plain
// `make test`), or fails it in strict mode. A statement that returns from the test body or
// SetUp(); `what` names what is missing and how to get it.
#define RERANK_MISSING(what)                                                                         \
  do {                                                                                               \
    const std::string rerank_missing_message_ = ::rerank::testing::missing_message(what);            \
    if (::rerank::testing::strict_mode()) GTEST_FAIL() << rerank_missing_message_;                   \
    GTEST_SKIP() << rerank_missing_message_;                                                         \
  } while (false)

// `var`: shared_dir()/relative, or RERANK_MISSING when it is absent.
#define RERANK_REQUIRE_SHARED(var, relative)                                                         \
  auto var##_opt = ::rerank::testing::shared_path(relative);                                         \
  if (!var##_opt) RERANK_MISSING(::rerank::testing::shared_data_description(relative));             \
  const std::filesystem::path var = *var##_opt
