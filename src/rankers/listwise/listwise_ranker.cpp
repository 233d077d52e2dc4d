#include "rankers/listwise/listwise_ranker.hpp"

#include <cctype>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <set>

#include "rankers/api/api_settings.hpp"
#include "rankers/listwise/chat_client.hpp"
#include "rankers/listwise/local_chat.hpp"
#include "rankers/listwise/permutation.hpp"
#include "rankers/listwise/prompts.hpp"
#include "rankers/listwise/windows.hpp"
#include "rankers/model_files.hpp"
#include "rankers/model_ranker.hpp"
#include "rankers/scoring_tokens.hpp"
#include "rerank/error.hpp"

namespace rerank {

namespace {

using listwise::ChatClient;
using listwise::PromptStyle;

struct ListwiseSettings {
  PromptStyle prompt = PromptStyle::RankGpt;
  std::size_t window = 20;
  std::size_t stride = 10;
  std::size_t max_words = 300;
  bool fail_on_error = false;  // on_error=fail: a window that still fails fails the call
};

class ListwiseRanker final : public Ranker {
 public:
  ListwiseRanker(RankerInfo info, ListwiseSettings settings, std::unique_ptr<const listwise::ChatBackend> backend)
      : info_(std::move(info)), settings_(settings), backend_(std::move(backend)) {}

  const RankerInfo& info() const override { return info_; }

  Scores score_documents(std::string_view query, std::span<const Document> documents,
                         const ScoreOptions&) const override {
    Scores out;
    out.ranker = info_.spec;
    const std::size_t n = documents.size();
    std::vector<std::size_t> ranking(n);
    std::iota(ranking.begin(), ranking.end(), 0);
    std::size_t calls = 0, failed = 0, prompt_tokens = 0, completion_tokens = 0, unclosed = 0, unparseable = 0;
    listwise::PermutationRepairs repairs;
    std::optional<Error> last_error;
    for (const listwise::Window& w : listwise::sliding_windows(n, settings_.window, settings_.stride)) {
      std::vector<const Document*> passages;
      for (std::size_t i = w.begin; i < w.end; ++i) passages.push_back(&documents[ranking[i]]);
      ++calls;
      listwise::ChatAnswer answer;
      listwise::Permutation p;
      try {
        const auto messages = fitted_prompt(query, passages);
        if (settings_.prompt == PromptStyle::First) {
          p.order = backend_->first_token_order(messages, passages.size(), answer.usage);
        } else {
          answer = backend_->complete(messages, passages.size());
          p = listwise::parse_permutation(answer.text, passages.size());
        }
      } catch (const Error& e) {
        Error in_window(e.code(), "listwise window [" + std::to_string(w.begin + 1) + ", " + std::to_string(w.end) +
                                      "] of " + std::to_string(n) + ": " + e.what());
        // A wrong key, model or request fails every window alike: not a window to skip.
        const bool configuration = e.code() == ErrorCode::Unauthorized || e.code() == ErrorCode::NotFound ||
                                   e.code() == ErrorCode::InvalidArgument || e.code() == ErrorCode::InvalidInput;
        if (settings_.fail_on_error || configuration) throw in_window;
        ++failed;  // this window keeps its input order; reported in the usage
        last_error = std::move(in_window);
        continue;
      }
      prompt_tokens += token_count(answer.usage, "prompt_tokens");
      completion_tokens += token_count(answer.usage, "completion_tokens");
      repairs.duplicates += p.repairs.duplicates;
      repairs.out_of_range += p.repairs.out_of_range;
      repairs.missing += p.repairs.missing;
      unclosed += p.repairs.unclosed_think ? 1 : 0;
      unparseable += p.repairs.unparseable ? 1 : 0;
      const std::vector<std::size_t> before(ranking.begin() + static_cast<std::ptrdiff_t>(w.begin),
                                            ranking.begin() + static_cast<std::ptrdiff_t>(w.end));
      for (std::size_t j = 0; j < before.size(); ++j) ranking[w.begin + j] = before[p.order[j]];
    }
    // Nothing reranked at all is a failed call, not a ranking in input order.
    if (calls > 0 && failed == calls) throw *last_error;
    out.values.assign(n, 0.0);
    for (std::size_t r = 0; r < n; ++r) out.values[ranking[r]] = 1.0 / static_cast<double>(r + 1);
    out.usage = {{"llm_calls", calls},
                 {"failed_windows", failed},
                 {"repairs",
                  {{"duplicates", repairs.duplicates},
                   {"out_of_range", repairs.out_of_range},
                   {"missing", repairs.missing},
                   {"unclosed_think", unclosed},
                   {"unparseable", unparseable}}}};
    if (prompt_tokens + completion_tokens > 0) {
      out.usage["prompt_tokens"] = prompt_tokens;
      out.usage["completion_tokens"] = completion_tokens;
      out.usage["total_tokens"] = prompt_tokens + completion_tokens;
    }
    return out;
  }

 private:
  // The window's prompt; where the backend knows its tokens (a local model), the passages'
  // word limit shrinks until the prompt leaves room for the answer, by rank_llm's step
  // (the excess over the budget / (4 x window) words, at least one).
  std::vector<listwise::ChatMessage> fitted_prompt(std::string_view query,
                                                   const std::vector<const Document*>& passages) const {
    std::size_t words = settings_.max_words;
    auto messages = listwise::listwise_prompt(settings_.prompt, query, passages, words);
    const std::size_t budget = backend_->prompt_budget(passages.size());
    for (auto tokens = backend_->prompt_tokens(messages); tokens && *tokens > budget;
         tokens = backend_->prompt_tokens(messages)) {
      if (words == 1) {
        throw Error(ErrorCode::InvalidInput, "a listwise prompt over " + std::to_string(passages.size()) +
                                                 " passages of one word each has " + std::to_string(*tokens) +
                                                 " tokens, more than the " + std::to_string(budget) +
                                                 " the model's context leaves: use a smaller --param window");
      }
      const std::size_t step = std::max<std::size_t>(1, (*tokens - budget) / (4 * passages.size()));
      words = words > step ? words - step : 1;
      messages = listwise::listwise_prompt(settings_.prompt, query, passages, words);
    }
    return messages;
  }

  static std::size_t token_count(const nlohmann::json& usage, const char* key) {
    if (!usage.is_object() || !usage.contains(key) || !usage[key].is_number_unsigned()) return 0;
    return usage[key].get<std::size_t>();
  }

  RankerInfo info_;
  ListwiseSettings settings_;
  std::unique_ptr<const listwise::ChatBackend> backend_;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}


bool names_zephyr_family(std::string model) {
  for (char& c : model) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return model.find("zephyr") != std::string::npos || model.find("vicuna") != std::string::npos;
}

}  // namespace

std::unique_ptr<Ranker> make_listwise_ranker(const ModelSource& source, const LoadOptions& options) {
  static const std::set<std::string> known = {"model", "prompt", "window", "stride", "max_words", "max_tokens",
                                              "temperature", "on_error", "timeout", "connect_timeout", "retries",
                                              "rpm", "backoff", "max_backoff", "max_retry_after", "extra_body",
                                              "context", "thinking"};
  for (const auto& [key, value] : options.params) {
    if (!known.count(key)) {
      throw Error(ErrorCode::InvalidArgument,
                  "unknown listwise parameter '" + key +
                      "' (known: model, prompt, window, stride, max_words, max_tokens, temperature, on_error, "
                      "timeout, connect_timeout, retries, rpm, backoff, max_backoff, max_retry_after, extra_body, "
                      "context, thinking)");
    }
  }
  ListwiseSettings settings;
  settings.window = static_cast<std::size_t>(api::number_param(options, "window", 20, 1, 100));
  settings.stride = static_cast<std::size_t>(api::number_param(options, "stride", 10, 1, 100));
  settings.max_words = static_cast<std::size_t>(api::number_param(options, "max_words", 300, 1, 100000));
  const std::string on_error = param_or(options, "on_error", "keep");
  if (on_error != "keep" && on_error != "fail") {
    throw Error(ErrorCode::InvalidArgument, "--param on_error='" + on_error + "' must be keep or fail");
  }
  settings.fail_on_error = on_error == "fail";
  RankerInfo info;
  info.type = "listwise";
  info.spec = source.spec;
  info.score_kind = ScoreKind::RankingScore;

  // A checkpoint folder (or shape:) without --endpoint: generation on the local engine.
  // With --endpoint, the endpoint serves it (vLLM and llama.cpp name a model by its path).
  const bool local = (!source.directory.empty() || source.spec.rfind("shape:", 0) == 0) && options.endpoint.empty();
  // A setting of the other backend is a mistake to report, not to ignore.
  static const std::set<std::string> endpoint_only = {"model", "timeout", "connect_timeout", "retries", "rpm",
                                                      "backoff", "max_backoff", "max_retry_after", "extra_body"};
  static const std::set<std::string> local_only = {"context", "thinking"};
  for (const auto& [key, value] : options.params) {
    if (local && endpoint_only.count(key)) {
      throw Error(ErrorCode::InvalidArgument, "--param " + key + " applies to a chat endpoint (--endpoint); '" +
                                                  source.spec + "' runs on the local engine");
    }
    if (!local && local_only.count(key)) {
      throw Error(ErrorCode::InvalidArgument,
                  "--param " + key + " applies to a model run on the local engine, not to an endpoint");
    }
  }
  if (local) {
    const ModelFiles files(source, "listwise");
    std::shared_ptr<const text::Tokenizer> tokenizer = files.tokenizer();
    listwise::LocalChatSettings local;
    local.max_tokens = static_cast<std::size_t>(api::number_param(options, "max_tokens", 0, 0, 1e6));
    local.context = static_cast<std::size_t>(api::number_param(options, "context", 4096, 16, 1e7));
    local.thinking = api::bool_param(options, "thinking", false);
    if (api::number_param(options, "temperature", 0.0, 0.0, 2.0) != 0.0) {
      throw Error(ErrorCode::InvalidArgument, "a local listwise model decodes greedily (temperature 0)");
    }
    settings.prompt = listwise::parse_prompt_style(param_or(options, "prompt", "rank_zephyr"));
    if (settings.prompt == PromptStyle::First && settings.window > 26) {
      throw Error(ErrorCode::InvalidArgument, "prompt=first names passages A to Z: --param window=" +
                                                  std::to_string(settings.window) + " is more than 26");
    }
    auto backend = std::make_unique<listwise::LocalChat>(files.load_model(model_load_options(options),
                                                                          models::architecture_table()),
                                                         std::move(tokenizer), local);
    info.model = files.display_name();
    info.directory = files.directory();
    return std::make_unique<ListwiseRanker>(std::move(info), settings, std::move(backend));
  }
  listwise::ChatSettings chat;
  chat.model = param_or(options, "model", source.model);
  if (chat.model.empty()) throw Error(ErrorCode::InvalidArgument, "no listwise model: pass --param model=NAME");
  const std::string base =
      options.endpoint.empty() ? env_or("OPENAI_BASE_URL", "https://api.openai.com/v1") : options.endpoint;
  chat.url = listwise::chat_completions_url(base);
  chat.api_key = options.api_key.empty() ? env_or("OPENAI_API_KEY", "") : options.api_key;
  if (chat.api_key.empty() && chat.url.rfind("https://api.openai.com/", 0) == 0) {
    throw Error(ErrorCode::Unauthorized, "no API key for the OpenAI API: set OPENAI_API_KEY or pass --api-key "
                                         "(or --endpoint a local OpenAI-compatible server)");
  }
  chat.temperature = api::number_param(options, "temperature", 0.0, 0.0, 2.0);
  chat.max_tokens = static_cast<int>(api::number_param(options, "max_tokens", 0, 0, 1e6));
  chat.timeout = api::seconds_param(options, "timeout", 120, 0.001, 3600);
  chat.connect_timeout = api::seconds_param(options, "connect_timeout", 5, 0.001, 600);
  chat.retry.max_attempts = 1 + static_cast<int>(api::number_param(options, "retries", 3, 0, 20));
  chat.retry.base_delay = api::seconds_param(options, "backoff", 0.25, 0, 60);
  chat.retry.max_delay = api::seconds_param(options, "max_backoff", 8, 0, 600);
  chat.retry.max_retry_after = api::seconds_param(options, "max_retry_after", 60, 0, 3600);
  chat.requests_per_minute = api::number_param(options, "rpm", 0, 0, 1e9);
  if (const auto extra = options.params.find("extra_body"); extra != options.params.end()) {
    // More request fields for the endpoint (top_p, seed, a vLLM guided-decoding option, ...);
    // model, messages, temperature and max_tokens are set from their own settings.
    const nlohmann::json fields = nlohmann::json::parse(extra->second, nullptr, /*allow_exceptions=*/false);
    if (!fields.is_object()) {
      throw Error(ErrorCode::InvalidArgument, "--param extra_body must be a JSON object, e.g. '{\"top_p\":1}'");
    }
    chat.extra_body = fields;
  }

  settings.prompt = listwise::parse_prompt_style(
      param_or(options, "prompt", names_zephyr_family(chat.model) ? "rank_zephyr" : "rankgpt"));
  if (settings.prompt == PromptStyle::First) listwise::throw_first_needs_local_model();
  info.model = chat.model;
  return std::make_unique<ListwiseRanker>(std::move(info), settings,
                                          std::make_unique<listwise::ChatClient>(std::move(chat)));
}

}  // namespace rerank
