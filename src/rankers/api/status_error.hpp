// HTTP error statuses from a provider become typed rerank errors here, in one place:
// 401/402/403 Unauthorized, 400/413/422 InvalidInput, 404 NotFound, 408 Timeout,
// 429/503 Overloaded, other 5xx and unexpected statuses Network.
#pragma once

#include <string>

#include "rerank/error.hpp"

namespace rerank::api {

// The provider's own error text from a body ({"message"}, {"detail"}, {"error"},
// {"error":{"message"}}), at most 300 bytes; empty when there is none.
std::string provider_error_message(const std::string& body);

// `context` says where and how often ("Cohere (https://api.cohere.com), attempt 4 of 4").
// `key_hint` names what to fix for 401/403 ("COHERE_API_KEY or --api-key").
Error error_for_status(long status, const std::string& body, const std::string& context,
                       const std::string& key_hint);

}  // namespace rerank::api
