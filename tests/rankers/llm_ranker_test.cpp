// The llm ranker on the qwen3-pointwise fixture (a reduced Qwen3-Reranker whose vocabulary
// has "no" but not "yes": the tests name Ġyes as the yes token).
//  - The prompt's ids are the reference's pieces tokenised apart (prefix, body, suffix),
//    written out here from the recipe's published text, not read from the recipe table;
//    documents ending in whitespace, an empty one, a long one cut from the right.
//  - `rerank rank` scores are l_yes - l_no of `rerank logits` on the same prompts, and a
//    -seq-cls conversion written here (score.weight = E[yes] - E[no], as vLLM's and
//    tomaarsen's converters do) scores the same.
#include <algorithm>
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"
#include "models/architecture_table.hpp"
#include "rankers/llm_ranker.hpp"
#include "rerank/error.hpp"
#include "support/safetensors_writer.hpp"
#include "support/test_support.hpp"
#include "text/tokenizer.hpp"

namespace rerank {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

const std::string kPrefix =
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct "
    "provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n";
const std::string kSuffix = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
const std::string kDefaultInstruction = "Given a web search query, retrieve relevant passages that answer the query";
const std::string kYes = "\xC4\xA0yes";  // Ġyes: the fixture vocabulary has no plain "yes"

std::string body(const std::string& instruction, const std::string& query, const std::string& doc) {
  return "<Instruct>: " + instruction + "\n<Query>: " + query + "\n<Document>: " + doc;
}

std::unique_ptr<ModelRanker> make(const fs::path& dir, std::map<std::string, std::string> params,
                                  std::size_t max_length = 0) {
  ModelSource source;
  source.spec = dir.string();
  source.type = "llm";
  source.directory = dir;
  LoadOptions options;
  options.params = std::move(params);
  options.max_length = max_length;
  return make_llm_ranker(source, options, models::architecture_table());
}

std::vector<std::int32_t> concat(std::initializer_list<std::vector<std::int32_t>> parts) {
  std::vector<std::int32_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(LlmRanker, PromptIdsAreTheReferencePiecesTokenisedApart) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const auto tk = text::Tokenizer::from_directory(dir);
  const auto ranker = make(dir, {{"yes_token", kYes}});
  const std::string query = "what causes tides?";
  // The junction trap (recipes §0.1.1): documents ending in a space or newlines, next to the
  // suffix; an empty document.
  const std::vector<std::string> docs = {"The moon's gravity pulls the oceans.", "ends with a space ",
                                         "ends with a newline\n", "two newlines\n\n", ""};
  std::vector<std::string_view> views(docs.begin(), docs.end());
  for (const std::optional<std::string>& instruction :
       {std::optional<std::string>{}, std::optional<std::string>{"Find the passage a physicist would cite"}}) {
    ScoreOptions options;
    options.instruction = instruction;
    const PreparedRequest prepared = ranker->prepare(query, views, options, /*token_strings=*/true);
    ASSERT_EQ(prepared.sequences.size(), docs.size());
    for (std::size_t i = 0; i < docs.size(); ++i) {
      const std::vector<std::int32_t> want =
          concat({tk->encode_raw(kPrefix).ids, tk->encode_raw(body(instruction.value_or(kDefaultInstruction), query, docs[i])).ids,
                  tk->encode_raw(kSuffix).ids});
      EXPECT_EQ(prepared.sequences[i].input_ids, want) << "document " << i;
      EXPECT_EQ(prepared.sequences[i].tokens.size(), want.size());
      EXPECT_FALSE(prepared.sequences[i].truncated);
    }
  }
}

TEST(LlmRanker, LongBodiesAreCutFromTheRightBeforeTheSuffix) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const auto tk = text::Tokenizer::from_directory(dir);
  const std::vector<std::int32_t> prefix = tk->encode_raw(kPrefix).ids, suffix = tk->encode_raw(kSuffix).ids;
  const std::size_t room = 40, max_length = prefix.size() + suffix.size() + room;
  const auto ranker = make(dir, {{"yes_token", kYes}}, max_length);
  std::string long_doc;
  for (int i = 0; i < 60; ++i) long_doc += "word" + std::to_string(i) + " ";
  const std::string query = "q";
  const std::vector<std::string_view> views = {long_doc};
  const PreparedRequest p = ranker->prepare(query, views, {});
  ASSERT_EQ(p.sequences.size(), 1u);
  std::vector<std::int32_t> body_ids = tk->encode_raw(body(kDefaultInstruction, query, long_doc)).ids;
  ASSERT_GT(body_ids.size(), room);
  body_ids.resize(room);  // the document's tail goes; the suffix stays whole
  EXPECT_EQ(p.sequences[0].input_ids, concat({prefix, body_ids, suffix}));
  EXPECT_EQ(p.sequences[0].length(), max_length);
  EXPECT_TRUE(p.sequences[0].truncated);
  ScoreOptions strict;
  strict.truncate = false;
  EXPECT_EQ(testing::code_of([&] { ranker->prepare(query, views, strict); }), ErrorCode::InvalidInput);
  // A query longer than the room cuts the <Document> marker itself, as the reference does.
  const std::string huge_query = long_doc;
  const std::vector<std::string_view> short_doc = {"tides"};
  const PreparedRequest q = ranker->prepare(huge_query, short_doc, {});
  std::vector<std::int32_t> cut = tk->encode_raw(body(kDefaultInstruction, huge_query, "tides")).ids;
  cut.resize(room);
  EXPECT_EQ(q.sequences[0].input_ids, concat({prefix, cut, suffix}));
}

// A request's max_tokens_per_doc cuts the document to its first N tokens before it goes into
// the prompt (0: an empty document), not the prompt.
TEST(LlmRanker, MaxTokensPerDocCutsTheDocumentNotThePrompt) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const auto tk = text::Tokenizer::from_directory(dir);
  const auto ranker = make(dir, {{"yes_token", kYes}});
  const std::string doc = "alpha beta gamma delta epsilon";
  const text::Encoding e = tk->encode_raw(doc);
  ASSERT_GT(e.size(), 3u);
  const std::string first_three = doc.substr(0, e.offsets[2].second);
  const std::vector<std::string_view> views = {doc};
  for (const auto& [budget, kept] : {std::pair<std::size_t, std::string>{3, first_three}, {0, ""}, {1000, doc}}) {
    ScoreOptions options;
    options.max_tokens_per_doc = budget;
    const PreparedRequest p = ranker->prepare("q", views, options);
    EXPECT_EQ(p.sequences[0].input_ids, concat({tk->encode_raw(kPrefix).ids,
                                                tk->encode_raw(body(kDefaultInstruction, "q", kept)).ids,
                                                tk->encode_raw(kSuffix).ids}))
        << "budget " << budget;
  }
}

TEST(LlmRanker, MtebRecipeRendersTheChatTemplateThenTheSuffix) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const auto tk = text::Tokenizer::from_directory(dir);
  const auto ranker = make(dir, {{"yes_token", kYes}, {"recipe", "qwen3-mteb"}, {"instruction", "Retrieve"}});
  const std::vector<std::string_view> docs = {"The moon."};
  const PreparedRequest p = ranker->prepare("tides", docs, {});
  // Double newlines, the user turn closed by the chat template, then the suffix: <|im_end|>\n twice.
  const std::string rendered = kPrefix + "<Instruct>: Retrieve\n\n<Query>: tides\n\n<Document>: The moon.<|im_end|>\n";
  EXPECT_EQ(p.sequences[0].input_ids, concat({tk->encode_raw(rendered).ids, tk->encode_raw(kSuffix).ids}));
}

TEST(LlmRanker, MissingScoringTokenIsAModelErrorNamingIt) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  std::string message;
  EXPECT_EQ(testing::code_of([&] { make(dir, {}); }, &message), ErrorCode::ModelFormat);
  EXPECT_NE(message.find("yes_token 'yes'"), std::string::npos) << message;
  EXPECT_EQ(testing::code_of([&] { make(dir, {{"yes_token", kYes}, {"no_token", "nope-not-a-token"}}); }, &message),
            ErrorCode::ModelFormat);
  EXPECT_NE(message.find("no_token"), std::string::npos) << message;
  EXPECT_EQ(testing::code_of([&] { make(dir, {{"yes_token", kYes}, {"recipe", "qwen9"}}); }), ErrorCode::InvalidArgument);
  EXPECT_EQ(testing::code_of([&] { make(dir, {{"yes_token", kYes}, {"colour", "red"}}); }), ErrorCode::InvalidArgument);
  EXPECT_EQ(testing::code_of([&] { make(dir, {{"yes_token", kYes}, {"body", "no document here"}}); }),
            ErrorCode::InvalidArgument);
}

const std::vector<std::string> kDocs = {
    "Tides are caused by the gravitational pull of the moon and the sun.",
    "The stock market closed higher on Tuesday.",
    "Ocean levels rise and fall twice a day because of the moon.",
    "A recipe for apple pie with cinnamon.",
    "Spring tides occur when the sun and moon align.",
    "The capital of France is Paris.",
    "Neap tides happen at the first and third quarter moon.",
    "Football scores from the weekend.",
    "Tidal forces stretch the Earth along the line to the moon.",
    "How to repair a bicycle tyre."};
const std::string kQuery = "what causes ocean tides";

// Scores of `rerank rank` in document order.
std::vector<double> rank_scores(const fs::path& model, const std::string& extra) {
  testing::TempDir tmp;
  std::string jsonl;
  for (const std::string& d : kDocs) jsonl += nlohmann::json{{"text", d}}.dump() + "\n";
  testing::write_file(tmp / "docs.jsonl", jsonl);
  const testing::CommandResult r = run_cli("rank -m " + model.string() + " -q '" + kQuery + "' -d " +
                                           (tmp / "docs.jsonl").string() + " -f json " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> scores(kDocs.size(), NAN);
  if (r.exit_code != 0) return scores;
  const nlohmann::json out = nlohmann::json::parse(r.out);
  for (const auto& res : out["results"]) scores[res["index"].get<std::size_t>()] = res["score"].get<double>();
  return scores;
}

TEST(LlmRanker, RankScoresAreYesMinusNoOfTheLogitsAndTheSeqClsConversionAgrees) {
  RERANK_REQUIRE_SHARED(dir, "reference/qwen3-pointwise");
  const auto tk = text::Tokenizer::from_directory(dir);
  const std::int32_t yes = *tk->token_to_id(kYes), no = *tk->token_to_id("no");
  const std::vector<double> ranked = rank_scores(dir, "--param yes_token=" + kYes);

  // The same prompts through `rerank logits` (one text each: no junction here splits
  // differently, which the first test checks piece by piece).
  std::string texts;
  for (const std::string& d : kDocs) texts += nlohmann::json{{"text", kPrefix + body(kDefaultInstruction, kQuery, d) + kSuffix}}.dump() + "\n";
  const testing::CommandResult logits = run_cli("logits -m " + dir.string(), texts);
  ASSERT_EQ(logits.exit_code, 0) << logits.err;
  std::istringstream lines(logits.out);
  std::string line;
  std::vector<double> want;
  while (std::getline(lines, line)) {
    const auto l = nlohmann::json::parse(line)["logits"];
    want.push_back(l[yes].get<double>() - l[no].get<double>());
  }
  ASSERT_EQ(want.size(), kDocs.size());
  for (std::size_t i = 0; i < kDocs.size(); ++i) EXPECT_NEAR(ranked[i], want[i], 1e-5) << "document " << i;
  EXPECT_GT(*std::max_element(want.begin(), want.end()) - *std::min_element(want.begin(), want.end()), 1e-3)
      << "the documents must score differently for the comparison to mean anything";

  // The -seq-cls conversion: Qwen3ForSequenceClassification with one label whose row is
  // E[yes] - E[no] in fp32 (the head is tied to embed_tokens here).
  testing::TempDir conv;
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) fs::copy_file(dir / f, conv / f);
  nlohmann::json config = nlohmann::json::parse(testing::read_file(dir / "config.json"));
  config["architectures"] = {"Qwen3ForSequenceClassification"};
  config["id2label"] = {{"0", "LABEL_0"}};
  config["num_labels"] = 1;
  config["pad_token_id"] = *tk->pad_token_id();
  testing::write_file(conv / "config.json", config.dump(2));
  const auto checkpoint = io::Checkpoint::open(dir);
  std::vector<testing::SafetensorsTensor> tensors;
  std::vector<float> embed;
  for (const std::string& name : checkpoint->names()) {
    const std::vector<std::int64_t> shape = checkpoint->find(name)->shape;
    std::vector<float> values = checkpoint->load_f32(name, shape);
    if (name == "model.embed_tokens.weight") embed = values;
    tensors.push_back({name, "F32", shape, testing::f32_bytes(values)});
  }
  const std::int64_t hidden = config["hidden_size"];
  std::vector<float> row(static_cast<std::size_t>(hidden));
  for (std::int64_t c = 0; c < hidden; ++c) row[c] = embed[yes * hidden + c] - embed[no * hidden + c];
  tensors.push_back({"score.weight", "F32", {1, hidden}, testing::f32_bytes(row)});
  testing::write_safetensors(conv / "model.safetensors", tensors);
  const std::vector<double> converted = rank_scores(conv.path(), "");
  // fp32 rounding of the difference row vs the difference of two fp32 logits.
  for (std::size_t i = 0; i < kDocs.size(); ++i) EXPECT_NEAR(converted[i], ranked[i], 1e-4) << "document " << i;
}

}  // namespace
}  // namespace rerank
