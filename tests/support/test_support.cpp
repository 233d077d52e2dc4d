#include "support/test_support.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace rerank::testing {

std::optional<fs::path> shared_dir() {
  const char* env = std::getenv("RERANK_SHARED_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::path(RERANK_SHARED_DIR_DEFAULT);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return fs::weakly_canonical(dir);
  return std::nullopt;
}

std::optional<fs::path> shared_path(const std::string& relative) {
  auto dir = shared_dir();
  if (!dir) return std::nullopt;
  fs::path p = *dir / relative;
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  return p;
}

bool strict_mode() {
  const char* env = std::getenv("RERANK_REQUIRE_SHARED");
  return env != nullptr && std::string(env) == "1";
}

std::string missing_message(const std::string& what) {
  if (strict_mode()) return "RERANK_REQUIRE_SHARED=1 and " + what + " is missing (failing, not skipping)";
  return what + " not found: test skipped (RERANK_REQUIRE_SHARED=1 makes this a failure)";
}

std::string shared_data_description(const std::string& relative) {
  const char* env = std::getenv("RERANK_SHARED_DIR");
  const fs::path dir = env && *env ? fs::path(env) : fs::path(RERANK_SHARED_DIR_DEFAULT);
  return "shared data " + (dir / relative).string();
}

ErrorCode code_of(const std::function<void()>& f, std::string* message) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "expected a rerank::Error";
  return ErrorCode::Internal;
}

namespace {
std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = 0.5 * static_cast<double>(i + j);
    i = j + 1;
  }
  return r;
}
}  // namespace

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const auto ra = average_ranks(a), rb = average_ranks(b);
  const double n = static_cast<double>(ra.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double num = 0, da = 0, db = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) * (ra[i] - ma);
    db += (rb[i] - mb) * (rb[i] - mb);
  }
  return num / std::sqrt(da * db);
}

// GCC defines __SANITIZE_ADDRESS__; clang answers __has_feature(address_sanitizer).
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RERANK_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RERANK_TEST_ASAN 1
#endif

bool resident_memory_bounds_apply() {
#ifdef RERANK_TEST_ASAN
  return false;
#else
  return true;
#endif
}

std::size_t resident_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

fs::path source_dir() { return fs::path(RERANK_SOURCE_DIR); }
fs::path cli_path() { return fs::path(RERANK_CLI_PATH); }

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = fs::temp_directory_path() /
          ("rerank-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
           std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(read_file(path)); }

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << content;
}

CommandResult run_command(const std::string& command, const std::string& stdin_text) {
  TempDir dir;
  write_file(dir / "stdin", stdin_text);
  std::string full = command + " <" + (dir / "stdin").string() + " >" + (dir / "stdout").string() +
                     " 2>" + (dir / "stderr").string();
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(dir / "stdout");
  r.err = read_file(dir / "stderr");
  return r;
}

CommandResult run_cli(const std::string& args, const std::string& stdin_text) {
  return run_command(cli_path().string() + " " + args, stdin_text);
}

void ScopedEnv::set(const std::string& name, const std::optional<std::string>& value) {
  if (!saved_.count(name)) {
    const char* old = std::getenv(name.c_str());
    saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
  }
  if (value)
    ::setenv(name.c_str(), value->c_str(), 1);
  else
    ::unsetenv(name.c_str());
}

ScopedEnv::~ScopedEnv() {
  for (const auto& [name, value] : saved_) {
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
}

void write_tiny_collection(const std::filesystem::path& dir) {
  write_file(dir / "corpus.jsonl",
             "{\"_id\": \"d1\", \"title\": \"Apples\", \"text\": \"apple orchards grow apples\"}\n"
             "{\"_id\": \"d2\", \"text\": \"banana bread recipe\"}\n"
             "{\"_id\": \"d3\", \"text\": \"cherry and banana smoothie\"}\n");
  write_file(dir / "queries.jsonl", "{\"_id\": \"q1\", \"text\": \"apple\"}\n{\"_id\": \"q2\", \"text\": \"banana smoothie\"}\n");
  write_file(dir / "qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n");
}

}  // namespace rerank::testing
