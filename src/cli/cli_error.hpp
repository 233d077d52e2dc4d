// Exit codes of the rerank tool and the conversion of errors to them (one place).
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "rerank/error.hpp"
#include "rerank/ranker.hpp"

namespace rerank::cli {

enum ExitCode : int { kExitOk = 0, kExitUsage = 2, kExitInput = 3, kExitModel = 4, kExitNetwork = 5, kExitInternal = 1 };

// An error that already knows its exit code (the phase it happened in decided it).
class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, const std::string& message) : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

// The exit code for an error outside a known phase.
int exit_code_for(const Error& error);

// Loads a ranker; its errors become model errors (4), or network errors (5).
std::unique_ptr<Ranker> load_ranker(const std::string& spec, const LoadOptions& options);

// Runs `read`; its rerank::Errors become input errors (3).
void as_input_phase(const std::function<void()>& read);

}  // namespace rerank::cli
