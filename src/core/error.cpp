#include "rerank/error.hpp"

namespace rerank {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid_argument";
    case ErrorCode::InvalidInput: return "invalid_input";
    case ErrorCode::NotFound: return "not_found";
    case ErrorCode::NotSupported: return "not_supported";
    case ErrorCode::ModelFormat: return "model_format";
    case ErrorCode::Network: return "network";
    case ErrorCode::Unauthorized: return "unauthorized";
    case ErrorCode::Overloaded: return "overloaded";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::Backend: return "backend";
    case ErrorCode::Internal: return "internal";
  }
  return "internal";
}

}  // namespace rerank
