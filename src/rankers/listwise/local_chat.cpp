#include "rankers/listwise/local_chat.hpp"

#include <algorithm>
#include <numeric>

#include "rerank/error.hpp"

namespace rerank::listwise {

namespace {

// vLLM's logprobs=30, which rank_llm's FIRST path asked for: letters outside the 30 most
// likely tokens are not read, and follow in input order.
constexpr std::size_t kFirstTopTokens = 30;

}  // namespace

LocalChat::LocalChat(std::shared_ptr<const models::Model> model, std::shared_ptr<const text::Tokenizer> tokenizer,
                     LocalChatSettings settings)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), settings_(settings) {
  const models::ModelTraits& traits = model_->traits();
  if (traits.output != models::OutputKind::VocabularyLogits) {
    throw Error(ErrorCode::NotSupported, "listwise generation needs a causal LM with its vocabulary head; " +
                                             traits.architecture + " (" + traits.family + ") has none");
  }
  const auto im_start = tokenizer_->token_to_id("<|im_start|>");
  const auto im_end = tokenizer_->token_to_id("<|im_end|>");
  if (!im_start || !im_end) {
    throw Error(ErrorCode::NotSupported, "listwise generation renders ChatML chats (Qwen2/Qwen3); the tokenizer of " +
                                             traits.architecture + " has no <|im_start|>/<|im_end|> tokens");
  }
  qwen3_ = traits.family == "qwen3";
  stop_ids_.push_back(*im_end);
  if (const auto eot = tokenizer_->token_to_id("<|endoftext|>")) stop_ids_.push_back(*eot);
}

std::string LocalChat::render(const std::vector<ChatMessage>& messages) const {
  std::string out;
  for (const ChatMessage& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  out += "<|im_start|>assistant\n";
  if (qwen3_ && !settings_.thinking) out += "<think>\n\n</think>\n\n";
  return out;
}

std::vector<std::int32_t> LocalChat::encode(const std::string& text) const {
  // The chat markup is added tokens, found in the raw text; the template adds no others.
  return tokenizer_->encode_raw(text).ids;
}

std::size_t LocalChat::answer_tokens(std::size_t window) const {
  if (settings_.max_tokens > 0) return settings_.max_tokens;
  std::string ranking;
  for (std::size_t i = 1; i <= window; ++i) ranking += (i > 1 ? " > [" : "[") + std::to_string(i) + "]";
  const std::size_t n = tokenizer_->encode(ranking).size();
  return std::max<std::size_t>(n > 1 ? n - 1 : n, 1);
}

std::optional<std::size_t> LocalChat::prompt_tokens(const std::vector<ChatMessage>& messages) const {
  return encode(render(messages)).size();
}

std::size_t LocalChat::prompt_budget(std::size_t window) const {
  const auto positions = static_cast<std::size_t>(std::max<std::int64_t>(model_->max_sequence_length(), 0));
  const std::size_t context = std::min(settings_.context, positions);
  const std::size_t answer = answer_tokens(window);
  return context > answer ? context - answer : 0;
}

ChatAnswer LocalChat::complete(const std::vector<ChatMessage>& messages, std::size_t window) const {
  const std::vector<std::int32_t> prompt = encode(render(messages));
  models::GenerationOptions options;
  options.max_new_tokens = answer_tokens(window);
  options.stop_ids = stop_ids_;
  const auto session = model_->make_session();
  const models::Generation g = model_->generate(*session, prompt, options);
  ChatAnswer answer;
  answer.text = tokenizer_->decode(g.tokens, /*skip_special_tokens=*/true);
  answer.usage = {{"prompt_tokens", prompt.size()}, {"completion_tokens", g.tokens.size()}};
  return answer;
}

std::vector<std::size_t> LocalChat::first_token_order(const std::vector<ChatMessage>& messages, std::size_t window,
                                                      nlohmann::json& usage) const {
  // rank_llm appends "[" to the prompt, so the next token is the first identifier.
  const std::vector<std::int32_t> prompt = encode(render(messages) + "[");
  const auto session = model_->make_session();
  engine::PackedBatch batch;
  model_->append_sequence(batch, prompt, {});
  const std::vector<float> logits = model_->forward(*session, batch);
  usage = {{"prompt_tokens", prompt.size()}, {"completion_tokens", std::size_t{1}}};
  return first_order_from_logits(logits, window, [&](std::int32_t id) {
    return tokenizer_->decode(std::span<const std::int32_t>(&id, 1), /*skip_special_tokens=*/false);
  });
}

std::vector<std::size_t> first_order_from_logits(std::span<const float> logits, std::size_t window,
                                                 const std::function<std::string(std::int32_t)>& token_text) {
  std::vector<std::int32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  const std::size_t top = std::min(kFirstTopTokens, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(top), ids.end(),
                    [&](std::int32_t a, std::int32_t b) {
                      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
                    });
  std::vector<std::size_t> order;
  std::vector<bool> placed(window, false);
  for (std::size_t k = 0; k < top; ++k) {
    const std::string text = token_text(ids[k]);
    if (text.size() != 1 || text[0] < 'A' || static_cast<std::size_t>(text[0] - 'A') >= window) continue;
    const auto position = static_cast<std::size_t>(text[0] - 'A');
    if (placed[position]) continue;  // an earlier token of the same letter had the higher logit
    placed[position] = true;
    order.push_back(position);
  }
  for (std::size_t p = 0; p < window; ++p)
    if (!placed[p]) order.push_back(p);
  return order;
}

}  // namespace rerank::listwise
