#include "cli/cli_error.hpp"

namespace rerank::cli {

int exit_code_for(const Error& error) {
  switch (error.code()) {
    case ErrorCode::InvalidArgument: return kExitUsage;
    case ErrorCode::InvalidInput:
    case ErrorCode::NotFound: return kExitInput;
    case ErrorCode::Network:
    case ErrorCode::Unauthorized:
    case ErrorCode::Timeout:
    case ErrorCode::Overloaded: return kExitNetwork;
    case ErrorCode::NotSupported:
    case ErrorCode::ModelFormat:
    case ErrorCode::Backend: return kExitModel;
    case ErrorCode::Internal: return kExitInternal;
  }
  return kExitInternal;
}

std::unique_ptr<Ranker> load_ranker(const std::string& spec, const LoadOptions& options) {
  try {
    return load(spec, options);
  } catch (const Error& e) {
    const int code = exit_code_for(e) == kExitNetwork ? kExitNetwork
                     : e.code() == ErrorCode::InvalidArgument ? kExitUsage
                                                              : kExitModel;
    throw CliError(code, e.what());
  }
}

void as_input_phase(const std::function<void()>& read) {
  try {
    read();
  } catch (const Error& e) {
    throw CliError(kExitInput, e.what());
  }
}

}  // namespace rerank::cli
