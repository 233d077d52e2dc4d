// Listwise reranking on the local engine (rankers/listwise/local_chat): Qwen3 (the
// qwen3-pointwise fixture, random weights, its Qwen tokenizer with the ChatML tokens).
//  - The prompt is ChatML as Qwen3's chat template renders it (written out here), with the
//    empty think block of enable_thinking=False.
//  - An answer is the greedy continuation a loop of whole-sequence forwards (no cache) picks
//    here, decoded, stopped at <|im_end|> or at rank_llm's answer length.
//  - FIRST reads the logits after "[": its letter order checked on logits written here, and
//    on the fixture against a forward pass run here.
//  - The ranker slides its windows over the engine and shrinks the word limit to fit the
//    context, as rank_llm does.
#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "models/load_model.hpp"
#include "rankers/listwise/local_chat.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "support/test_support.hpp"

namespace rerank::listwise {
namespace {

struct Fixture {
  std::shared_ptr<const models::Model> model;
  std::shared_ptr<const text::Tokenizer> tokenizer;
};

Fixture qwen3(const std::filesystem::path& dir) {
  return {models::load_model(dir, engine::make_device({"cpu", 2}), engine::Precision::F32),
          text::Tokenizer::from_directory(dir)};
}

std::vector<ChatMessage> two_turns() {
  return {{"system", "You rank."}, {"user", "Rank [1] alpha and [2] beta."}};
}

TEST(ListwiseLocal, RendersChatMlAsTheQwen3Template) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const Fixture f = qwen3(dir);
  const LocalChat chat(f.model, f.tokenizer, {});
  EXPECT_EQ(chat.render(two_turns()),
            "<|im_start|>system\nYou rank.<|im_end|>\n<|im_start|>user\nRank [1] alpha and [2] beta.<|im_end|>\n"
            "<|im_start|>assistant\n<think>\n\n</think>\n\n");
  LocalChatSettings thinking;
  thinking.thinking = true;
  EXPECT_EQ(LocalChat(f.model, f.tokenizer, thinking).render({{"user", "hi"}}),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ListwiseLocal, AnswersAreTheGreedyContinuationOfWholeSequenceForwards) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const Fixture f = qwen3(dir);
  const LocalChat chat(f.model, f.tokenizer, {});
  const std::vector<ChatMessage> messages = two_turns();
  const ChatAnswer answer = chat.complete(messages, 2);

  // rank_llm's answer length for 2 passages: "[1] > [2]" in tokens (no BOS here) less one.
  const std::size_t limit = f.tokenizer->encode("[1] > [2]").size() - 1;
  const std::int32_t im_end = *f.tokenizer->token_to_id("<|im_end|>");
  std::vector<std::int32_t> sequence = f.tokenizer->encode_raw(chat.render(messages)).ids;
  const std::size_t prompt = sequence.size();
  auto session = f.model->make_session();
  std::vector<std::int32_t> generated;
  while (generated.size() < limit) {
    engine::PackedBatch b;
    f.model->append_sequence(b, sequence, {});
    const std::vector<float> logits = f.model->forward(*session, b);
    const auto next = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    generated.push_back(next);
    sequence.push_back(next);
    if (next == im_end) break;
  }
  EXPECT_EQ(answer.text, f.tokenizer->decode(generated, true));
  EXPECT_EQ(answer.usage["prompt_tokens"], prompt);
  EXPECT_EQ(answer.usage["completion_tokens"], generated.size());
  LocalChatSettings longer;
  longer.max_tokens = 7;
  EXPECT_LE(LocalChat(f.model, f.tokenizer, longer).complete(messages, 2).usage["completion_tokens"].get<std::size_t>(), 7u);
}

TEST(ListwiseLocal, FirstOrderFromLogits) {
  // Token i's text: ids 0..25 are "A".."Z", 26 is " A", 27 "AB", 28 is a second "C".
  auto text = [](std::int32_t id) -> std::string {
    if (id < 26) return std::string(1, static_cast<char>('A' + id));
    return id == 26 ? " A" : id == 27 ? "AB" : id == 28 ? "C" : "x";
  };
  std::vector<float> logits(100, 0.0f);
  logits[3] = 5;     // D
  logits[1] = 4;     // B
  logits[28] = 4.5;  // C through its second token, above B
  logits[2] = 1;     // C again, lower: counted once
  logits[26] = 9;    // " A": two characters, not an identifier
  logits[27] = 8;    // "AB": not one letter
  logits[6] = 7;     // G: outside a window of 5
  EXPECT_EQ(first_order_from_logits(logits, 5, text), (std::vector<std::size_t>{3, 2, 1, 0, 4}));
  // Only the 30 highest logits are read: a letter below them follows in input order.
  std::vector<float> crowded(100, 0.0f);
  for (int i = 40; i < 70; ++i) crowded[static_cast<std::size_t>(i)] = 10;  // 30 tokens "x" above every letter
  crowded[4] = 1;                                                          // E, 31st
  EXPECT_EQ(first_order_from_logits(crowded, 5, text), (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  crowded[69] = 0;  // now E is among the 30
  EXPECT_EQ(first_order_from_logits(crowded, 5, text), (std::vector<std::size_t>{4, 0, 1, 2, 3}));
}

TEST(ListwiseLocal, FirstReadsTheLogitsAfterTheOpeningBracket) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const Fixture f = qwen3(dir);
  const LocalChat chat(f.model, f.tokenizer, {});
  const std::vector<ChatMessage> messages = two_turns();
  nlohmann::json usage;
  const std::vector<std::size_t> order = chat.first_token_order(messages, 4, usage);
  const std::vector<std::int32_t> prompt = f.tokenizer->encode_raw(chat.render(messages) + "[").ids;
  auto session = f.model->make_session();
  engine::PackedBatch b;
  f.model->append_sequence(b, prompt, {});
  const std::vector<float> logits = f.model->forward(*session, b);
  EXPECT_EQ(order, first_order_from_logits(logits, 4, [&](std::int32_t id) {
              return f.tokenizer->decode(std::vector<std::int32_t>{id}, false);
            }));
  EXPECT_EQ(usage["prompt_tokens"], prompt.size());
}

TEST(ListwiseLocal, TheRankerSlidesWindowsOnTheEngineAndFitsTheContext) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  std::vector<Document> docs;
  for (int i = 0; i < 25; ++i) {
    std::string text;
    for (int w = 0; w < 40; ++w) text += "word" + std::to_string((i * 7 + w) % 13) + " ";
    docs.push_back({std::to_string(i), text, {}});
  }
  LoadOptions o;
  o.type = "listwise";
  const auto ranker = load(dir.string(), o);
  EXPECT_EQ(ranker->info().type, "listwise");
  const Scores s = ranker->score_documents("which word", docs, {});
  ASSERT_EQ(s.values.size(), docs.size());
  EXPECT_EQ(s.usage["llm_calls"], 2);  // windows [5, 25) and [0, 20)
  EXPECT_EQ(s.usage["failed_windows"], 0);
  EXPECT_GT(s.usage["prompt_tokens"].get<std::size_t>(), 2000u);
  std::vector<double> sorted = s.values;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t r = 0; r < sorted.size(); ++r) EXPECT_DOUBLE_EQ(sorted[r], 1.0 / double(docs.size() - r));

  // A context of 900 tokens: the 40-word passages are cut until a window's prompt fits.
  o.params = {{"context", "900"}};
  const Scores fitted = load(dir.string(), o)->score_documents("which word", docs, {});
  EXPECT_EQ(fitted.usage["failed_windows"], 0);
  EXPECT_LE(fitted.usage["prompt_tokens"].get<std::size_t>(), 2u * 900u);
  // One too small for even one word per passage is an error naming the window, not a truncation.
  o.params = {{"context", "100"}, {"on_error", "fail"}};
  EXPECT_EQ(rerank::testing::code_of([&] { load(dir.string(), o)->score_documents("which word", docs, {}); }),
            ErrorCode::InvalidInput);

  // FIRST on the engine; more than 26 passages a window cannot be lettered.
  o.params = {{"prompt", "first"}};
  EXPECT_EQ(load(dir.string(), o)->score_documents("which word", docs, {}).usage["llm_calls"], 2);
  o.params = {{"prompt", "first"}, {"window", "30"}};
  EXPECT_EQ(rerank::testing::code_of([&] { load(dir.string(), o); }), ErrorCode::InvalidArgument);
  // An endpoint's settings on a local model (and the reverse) are errors, not ignored.
  for (const char* key : {"model", "retries", "extra_body"}) {
    o.params = {{key, "1"}};
    EXPECT_EQ(rerank::testing::code_of([&] { load(dir.string(), o); }), ErrorCode::InvalidArgument) << key;
  }
  LoadOptions remote;
  remote.type = "listwise";
  remote.endpoint = "http://127.0.0.1:9/v1";
  remote.params = {{"thinking", "true"}};
  EXPECT_EQ(rerank::testing::code_of([&] { load("some-model", remote); }), ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace rerank::listwise
