#include <cstdlib>

#include <gtest/gtest.h>

#include "models/checkpoint.hpp"
#include "rankers/builtin.hpp"
#include "rankers/spec_resolver.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank {
namespace {

ErrorCode load_error(const std::string& spec, LoadOptions options = {}) {
  try {
    load(spec, options);
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected loading '" << spec << "' to fail";
  return ErrorCode::Internal;
}

std::string load_message(const std::string& spec, LoadOptions options = {}) {
  try {
    load(spec, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SpecResolver, EveryAliasResolvesToARegisteredType) {
  for (const RankerAlias& a : ranker_aliases()) {
    ModelSource s = resolve_spec(a.name, {});
    EXPECT_EQ(s.type, a.type) << a.name;
    EXPECT_EQ(s.model, a.default_model) << a.name;
    EXPECT_NE(ranker_registry().find(a.type), nullptr) << a.name << " -> " << a.type;
  }
}

TEST(SpecResolver, AnswerDotAiNamesAreAccepted) {
  for (const char* name : {"cross-encoder", "flashrank", "t5", "colbert", "rankgpt", "rankllm", "llm-layerwise",
                           "mxbaiv2", "monovlm", "cohere", "jina", "voyage", "mixedbread.ai", "pinecone",
                           "isaacus", "text-embeddings-inference"}) {
    EXPECT_NO_THROW(resolve_spec(name, {})) << name;
  }
  EXPECT_EQ(resolve_spec("mixedbread.ai", {}).type, "mixedbread");
  EXPECT_EQ(resolve_spec("text-embeddings-inference", {}).type, "tei");
  EXPECT_EQ(resolve_spec("flashrank", {}).type, "cross-encoder");
  // FlashRank's model names for exports of Hub checkpoints name those checkpoints.
  EXPECT_EQ(resolve_spec("ce-esci-MiniLM-L12-v2", {}).model, "metarank/ce-esci-MiniLM-L12-v2");
  EXPECT_EQ(resolve_spec("ms-marco-MiniLM-L-12-v2", {}).model, "cross-encoder/ms-marco-MiniLM-L12-v2");
  EXPECT_EQ(resolve_spec("rankgpt3", {}).type, "listwise");
}

TEST(SpecResolver, ProviderSpecsSplitAtTheFirstColon) {
  auto s = resolve_spec("cohere:rerank-v3.5", {});
  EXPECT_EQ(s.type, "cohere");
  EXPECT_EQ(s.model, "rerank-v3.5");
  auto t = resolve_spec("tei:http://127.0.0.1:8080", {});
  EXPECT_EQ(t.type, "tei");
  EXPECT_EQ(t.model, "http://127.0.0.1:8080");
  EXPECT_EQ(resolve_spec("mixedbread.ai:mxbai-rerank-large-v2", {}).type, "mixedbread");
  EXPECT_EQ(resolve_spec("rerank:http://127.0.0.1:9000", {}).type, "rerank-server");
  auto shape = resolve_spec("shape:minilm-l6", {});
  EXPECT_EQ(shape.type, "cross-encoder");
  EXPECT_EQ(shape.model, "shape:minilm-l6");
  EXPECT_THROW(resolve_spec("cohere:", {}), Error);
}

TEST(SpecResolver, NoSubstringMatching) {
  // A Hub model whose name contains a provider's name is not that provider.
  testing::TempDir cache;
  ::setenv("HF_HUB_CACHE", cache.path().c_str(), 1);
  ::setenv("HF_HUB_OFFLINE", "1", 1);  // an empty cache, offline: the Hub id is simply not found
  EXPECT_NE(resolve_spec("jina", {}).type, "");
  EXPECT_EQ(load_error("jinaai/jina-reranker-v2-base-multilingual"), ErrorCode::NotFound);
  EXPECT_NE(load_message("jinaai/jina-reranker-v2-base-multilingual").find("jinaai/jina-reranker-v2-base-multilingual"),
            std::string::npos);
  EXPECT_EQ(load_error("upr"), ErrorCode::NotFound);             // not T5
  EXPECT_EQ(load_error("t5-base-reranker"), ErrorCode::NotFound);  // not an alias either
  EXPECT_EQ(load_error("BM25"), ErrorCode::NotFound);            // aliases are exact
  ::unsetenv("HF_HUB_OFFLINE");
  ::unsetenv("HF_HUB_CACHE");
}

TEST(SpecResolver, DetectsTypeFromConfig) {
  std::string arch;
  EXPECT_EQ(detect_type_from_config({{"architectures", {"BertForSequenceClassification"}}, {"model_type", "bert"}}, &arch),
            "cross-encoder");
  EXPECT_EQ(arch, "BertForSequenceClassification");
  EXPECT_EQ(detect_type_from_config({{"architectures", {"XLMRobertaForSequenceClassification"}},
                                     {"model_type", "xlm-roberta"}},
                                    &arch),
            "cross-encoder");
  EXPECT_EQ(detect_type_from_config({{"architectures", {"ElectraForSequenceClassification"}}, {"model_type", "electra"}},
                                    &arch),
            "cross-encoder");
  EXPECT_EQ(detect_type_from_config({{"architectures", {"T5ForConditionalGeneration"}}, {"model_type", "t5"}}, &arch),
            "t5");
  EXPECT_EQ(detect_type_from_config({{"architectures", {"Qwen3ForCausalLM"}}, {"model_type", "qwen3"}}, &arch), "llm");
  // A bare encoder is a reranker only as ColBERT, which its weights tell (a bias-free
  // linear.weight: ReferenceFixturesAreDetected); from config.json alone it is not one.
  EXPECT_THROW(detect_type_from_config({{"architectures", {"BertModel"}}, {"model_type", "bert"}}, &arch), Error);
  EXPECT_EQ(detect_type_from_config({{"architectures", {"ModernBertForSequenceClassification"}},
                                     {"model_type", "modernbert"}},
                                    &arch),
            "cross-encoder");
  EXPECT_THROW(detect_type_from_config({{"architectures", {"DebertaV2ForSequenceClassification"}},
                                        {"model_type", "deberta-v2"}},
                                       &arch),
               Error);
  EXPECT_THROW(detect_type_from_config({{"architectures", {"WhisperForAudio"}}, {"model_type", "whisper"}}, &arch),
               Error);
}

TEST(SpecResolver, NumLabelsFollowsTransformers) {
  EXPECT_EQ(models::num_labels_of({{"id2label", {{"0", "LABEL_0"}}}}), 1u);
  EXPECT_EQ(models::num_labels_of({{"id2label", {{"0", "no"}, {"1", "yes"}}}}), 2u);
  EXPECT_EQ(models::num_labels_of(nlohmann::json::object()), 2u);
  EXPECT_EQ(models::num_labels_of({{"num_labels", 1}}), 1u);
}

TEST(SpecResolver, LocalDirectoriesUseConfigJson) {
  testing::TempDir dir;
  testing::write_file(dir / "config.json",
                      R"({"architectures":["BertForSequenceClassification"],"model_type":"bert","id2label":{"0":"L"}})");
  ModelSource s = resolve_spec(dir.path().string(), {});
  EXPECT_EQ(s.type, "cross-encoder");
  EXPECT_EQ(s.num_labels, 1u);
  EXPECT_EQ(s.directory, dir.path());

  testing::TempDir unsupported;
  testing::write_file(unsupported / "config.json",
                      R"({"architectures":["DebertaV2ForSequenceClassification"],"model_type":"deberta-v2"})");
  EXPECT_EQ(load_error(unsupported.path().string()), ErrorCode::NotSupported);
  const std::string msg = load_message(unsupported.path().string());
  EXPECT_NE(msg.find("not supported yet"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bm25"), std::string::npos) << "the error lists what is supported: " << msg;

  testing::TempDir broken;
  testing::write_file(broken / "config.json", "{not json");
  EXPECT_EQ(load_error(broken.path().string()), ErrorCode::ModelFormat);

  testing::TempDir empty;
  testing::write_file(empty / "tokenizer.json", "{}");
  EXPECT_EQ(load_error(empty.path().string()), ErrorCode::NotFound);
}

TEST(SpecResolver, TypeOverride) {
  LoadOptions o;
  o.type = "bm25";
  testing::TempDir dir;
  testing::write_file(dir / "config.json", R"({"architectures":["T5ForConditionalGeneration"],"model_type":"t5"})");
  EXPECT_EQ(resolve_spec(dir.path().string(), o).type, "bm25");
  EXPECT_NO_THROW(load(dir.path().string(), o));
  o.type = "no-such-type";
  EXPECT_EQ(load_error("bm25", o), ErrorCode::NotSupported);
}

TEST(SpecResolver, UnknownAndUnsupportedErrorsListSupportedTypes) {
  for (const char* spec : {"colbert", "monovlm", "llm-layerwise"}) {
    EXPECT_EQ(load_error(spec), ErrorCode::NotSupported) << spec;
    EXPECT_NE(load_message(spec).find("supported: bm25"), std::string::npos) << load_message(spec);
  }
  EXPECT_EQ(load_error(""), ErrorCode::InvalidArgument);
  // An explicit type that cannot run is named before the spec is looked up: "unknown spec"
  // would hide the real reason.
  LoadOptions colbert;
  colbert.type = "colbert";
  EXPECT_EQ(load_error("my-colbert-model", colbert), ErrorCode::NotSupported);
  EXPECT_NE(load_message("my-colbert-model", colbert).find("'colbert' rankers are not supported yet"), std::string::npos);
  // A type without a checkpoint takes the spec as its model's name, even one shaped like a
  // Hub id (no download is attempted).
  LoadOptions listwise;
  listwise.type = "listwise";
  EXPECT_EQ(resolve_spec("castorini/rank_zephyr_7b_v1_full", listwise).model, "castorini/rank_zephyr_7b_v1_full");
  EXPECT_EQ(resolve_spec("MY_LLM_NAME", listwise).type, "listwise");
}

TEST(SpecResolver, ReferenceFixturesAreDetected) {
  RERANK_REQUIRE_SHARED(ref, "reference");
  EXPECT_EQ(resolve_spec((ref / "bert-ce").string(), {}).type, "cross-encoder");
  EXPECT_EQ(resolve_spec((ref / "bert-ce-2label").string(), {}).num_labels, 2u);
  EXPECT_EQ(resolve_spec((ref / "xlmr-ce").string(), {}).type, "cross-encoder");
  EXPECT_EQ(resolve_spec((ref / "electra-ce").string(), {}).type, "cross-encoder");
  EXPECT_EQ(resolve_spec((ref / "t5-mono").string(), {}).type, "t5");
  EXPECT_EQ(resolve_spec((ref / "qwen3-pointwise").string(), {}).type, "llm");
  EXPECT_EQ(resolve_spec((ref / "colbert").string(), {}).type, "colbert");
  EXPECT_EQ(resolve_spec((ref / "modernbert-ce").string(), {}).type, "cross-encoder");
  for (const char* unsupported : {"colbert", "deberta-v2-ce"}) {
    EXPECT_EQ(load_error((ref / unsupported).string()), ErrorCode::NotSupported) << unsupported;
  }
  // Qwen3 loads; the reduced fixture vocabulary lacks the default yes token, which is named.
  EXPECT_EQ(load_error((ref / "qwen3-pointwise").string()), ErrorCode::ModelFormat);
}

TEST(SpecResolver, HubIdsResolveThroughTheCache) {
  testing::TempDir cache;
  const auto snapshot = cache / "models--org--model/snapshots/0123456789abcdef0123456789abcdef01234567";
  std::filesystem::create_directories(snapshot);
  std::filesystem::create_directories(cache / "models--org--model/refs");
  testing::write_file(cache / "models--org--model/refs/main", "0123456789abcdef0123456789abcdef01234567");
  testing::write_file(snapshot / "config.json",
                      R"({"architectures":["ElectraForSequenceClassification"],"model_type":"electra"})");
  ::setenv("HF_HUB_CACHE", cache.path().c_str(), 1);
  // The snapshot holds only config.json: offline, it is used as cached (online, the Hub client
  // would try to complete it).
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  ModelSource s = resolve_spec("org/model", {});
  EXPECT_EQ(s.type, "cross-encoder");
  EXPECT_EQ(s.model, "org/model");
  EXPECT_EQ(s.revision, "main");
  EXPECT_EQ(s.directory, snapshot);
  EXPECT_EQ(resolve_spec("org/model@0123456789abcdef0123456789abcdef01234567", {}).directory, snapshot);
  ::unsetenv("HF_HUB_OFFLINE");
  ::unsetenv("HF_HUB_CACHE");
}

// An alias naming a Hub model is located exactly as that Hub id would be: the cache (here,
// offline), and the same NotFound when it is not there.
TEST(SpecResolver, AliasesLocateTheirModelLikeAHubId) {
  RERANK_REQUIRE_SHARED(fixture, "reference/bert-ce");
  testing::TempDir cache;
  const std::string commit = "0123456789abcdef0123456789abcdef01234567";
  const auto repo = cache / "models--cross-encoder--ms-marco-TinyBERT-L2-v2";
  std::filesystem::create_directories(repo / "snapshots" / commit);
  std::filesystem::create_directories(repo / "refs");
  testing::write_file(repo / "refs/main", commit);
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
    std::filesystem::copy_file(fixture / f, repo / "snapshots" / commit / f);
  }
  ::setenv("HF_HUB_CACHE", cache.path().c_str(), 1);
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  const std::unique_ptr<Ranker> by_alias = load("flashrank");
  const std::unique_ptr<Ranker> by_id = load("cross-encoder/ms-marco-TinyBERT-L2-v2");
  EXPECT_EQ(by_alias->info().model, "cross-encoder/ms-marco-TinyBERT-L2-v2");
  const std::vector<Document> docs = {{"a", "the cat sat on the mat", {}}, {"b", "dogs bark", {}}};
  EXPECT_EQ(by_alias->score_documents("cat", docs).values, by_id->score_documents("cat", docs).values);
  // Not cached: the Hub id's offline error, naming the model and HF_HUB_OFFLINE.
  EXPECT_EQ(load_error("cross-encoder"), ErrorCode::NotFound);
  const std::string msg = load_message("cross-encoder");
  EXPECT_NE(msg.find("cross-encoder/ms-marco-MiniLM-L6-v2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("HF_HUB_OFFLINE"), std::string::npos) << msg;
  ::unsetenv("HF_HUB_OFFLINE");
  ::unsetenv("HF_HUB_CACHE");
}

}  // namespace
}  // namespace rerank

namespace rerank {
namespace {

// "TYPE.key" params reach only rankers of TYPE (so one eval can give the t5 model its tokens
// beside bm25); unscoped ones reach every ranker, whose own checks still refuse unknown keys.
TEST(SpecResolver, ParamsScopedByRankerType) {
  LoadOptions o;
  o.params["t5.true_token"] = "yes";
  EXPECT_NO_THROW(load("bm25", o));
  o.params["bm25.k1"] = "not-a-number";
  EXPECT_EQ(load_error("bm25", o), ErrorCode::InvalidArgument);
  LoadOptions unscoped;
  unscoped.params["true_token"] = "yes";
  EXPECT_EQ(load_error("bm25", unscoped), ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace rerank
