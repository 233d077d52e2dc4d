// The one error taxonomy of rerank. Every failure that request data, files or the
// network can cause is thrown as rerank::Error with a code; front ends convert the code
// at their edge (CLI exit code, HTTP status) in one place each.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace rerank {

enum class ErrorCode {
  InvalidArgument,  // a bad option or parameter given by the caller
  InvalidInput,     // bad input data: malformed JSON, invalid UTF-8, a document over a limit
  NotFound,         // a file, model, route or document that does not exist
  NotSupported,     // a model type or feature that rerank does not (yet) support
  ModelFormat,      // corrupt or inconsistent model files (config, weights, tokenizer)
  Network,          // connection failures, timeouts and bad responses from remote hosts
  Unauthorized,     // missing or rejected credentials
  Overloaded,       // queue full or rate limited; retry later
  Timeout,          // a deadline passed
  Backend,          // a compute backend failed (oneDNN, CUDA)
  Internal,         // a bug in rerank
};

// Stable lower-case name of a code ("invalid_argument", ...), used in logs and JSON errors.
std::string_view error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace rerank
