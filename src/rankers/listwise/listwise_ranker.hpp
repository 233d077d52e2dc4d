// Listwise LLM reranking (RankGPT, RankZephyr/RankVicuna prompts) over an OpenAI-compatible
// chat endpoint: sliding windows from the bottom of the list up, each window's answer parsed
// into a permutation by rank_llm's rules, repairs and failed windows counted in the usage.
// Scores are positional: the document ranked r-th (from 0) gets 1 / (r + 1), so the order
// is the LLM's and ranks never tie (docs/families.md). Local generation on the engine is a
// later step: this ranker needs an endpoint.
#pragma once

#include <memory>

#include "rankers/registry.hpp"
#include "rerank/ranker.hpp"

namespace rerank {

// Settings: --endpoint (else OPENAI_BASE_URL, else https://api.openai.com/v1), --api-key
// (else OPENAI_API_KEY; required for api.openai.com), --param model=NAME (the endpoint's
// model; default: the spec's), prompt=rankgpt|rank_zephyr (default from the model name),
// window=20, stride=10, max_words=300, max_tokens, temperature=0, on_error=keep|fail,
// timeout=120, connect_timeout=5, retries=3, rpm, extra_body='{"top_p":1}' (more request fields).
// A local checkpoint folder needs --endpoint (generation on the engine is not supported yet).
std::unique_ptr<Ranker> make_listwise_ranker(const ModelSource& source, const LoadOptions& options);

}  // namespace rerank
