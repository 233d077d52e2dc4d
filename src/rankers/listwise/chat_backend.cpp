#include "rankers/listwise/chat_backend.hpp"

#include "rerank/error.hpp"

namespace rerank::listwise {

void throw_first_needs_local_model() {
  throw Error(ErrorCode::NotSupported,
              "prompt=first ranks by the logits of the answer's first token, which a chat endpoint does not "
              "return: use a local model folder (no --endpoint), or prompt=rank_zephyr");
}

std::vector<std::size_t> ChatBackend::first_token_order(const std::vector<ChatMessage>&, std::size_t,
                                                        nlohmann::json&) const {
  throw_first_needs_local_model();
}

}  // namespace rerank::listwise
