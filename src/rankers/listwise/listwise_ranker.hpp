// Listwise LLM reranking (RankGPT, RankZephyr/RankVicuna and FIRST prompts): sliding windows
// from the bottom of the list up, each window answered by a chat backend, either an
// OpenAI-compatible endpoint or a decoder on the local engine (greedy decoding with a KV
// cache; FIRST from the first answer token's logits), each answer parsed into a permutation
// by rank_llm's rules, repairs and failed windows counted in the usage. Scores are
// positional: the document ranked r-th (from 0) gets 1 / (r + 1), so the order is the LLM's
// and ranks never tie (docs/families.md).
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
// A local checkpoint folder (or shape:) without --endpoint runs on the engine: a ChatML chat
// model (Qwen3, Qwen2); prompt=rank_zephyr (default) | rankgpt | first, max_tokens (default
// rank_llm's answer length), context=4096 (the word limit shrinks until a prompt fits, as
// rank_llm does), thinking=false (Qwen3's empty think block).
std::unique_ptr<Ranker> make_listwise_ranker(const ModelSource& source, const LoadOptions& options);

}  // namespace rerank
