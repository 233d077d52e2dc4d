// The cross-encoder ranker end to end: fixture folders loaded as a user would, the real
// tokenizer (its prepare phase), batches formed by the runtime, logits within 1e-4 of
// transformers.
#include "rankers/cross_encoder_ranker.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/device_factory.hpp"
#include "io/hub_cache.hpp"
#include "models/encoder_classifier.hpp"
#include "models/load_model.hpp"
#include "rerank/error.hpp"
#include "runtime/served_model_ranker.hpp"
#include "support/test_support.hpp"
#include "support/toy_wordpiece.hpp"

namespace rerank {
namespace {

// What scoring one pair produced, and counts over one call.
struct PairScore {
  std::vector<float> logits;
  double score = 0.0;
  std::size_t tokens = 0;
  bool truncated = false;
};

struct PairStats {
  std::size_t pairs = 0;
  std::size_t tokens = 0;
  std::size_t truncated = 0;
  std::size_t truncation_fallbacks = 0;
  std::size_t batches = 0;  // the runtime's forward passes during the call
};

// A cross-encoder as rerank::load serves it, with the model ranker behind it at hand.
class LoadedCrossEncoder {
 public:
  explicit LoadedCrossEncoder(std::unique_ptr<Ranker> ranker)
      : ranker_(std::move(ranker)),
        ce_(dynamic_cast<const CrossEncoderRanker*>(runtime::served_model_ranker(*ranker_))) {}
  bool valid() const { return ce_ != nullptr; }

  const RankerInfo& info() const { return ranker_->info(); }
  Scores score_documents(std::string_view q, std::span<const Document> d) const {
    return ranker_->score_documents(q, d);
  }
  RankedResults rank(std::string_view q, std::vector<Document> d) const { return ranker_->rank(q, std::move(d)); }
  const text::Tokenizer& tokenizer() const { return ce_->tokenizer(); }
  std::size_t max_length() const { return ce_->max_length(); }
  const models::Model& model() const { return ce_->model(); }

  // Every (query, document) pair's logits, score and tokens through the public score_many.
  std::vector<std::vector<PairScore>> score_pairs(std::span<const std::string_view> queries,
                                                  std::span<const std::vector<std::string_view>> docs,
                                                  const ScoreOptions& options = {},
                                                  PairStats* stats = nullptr) const {
    std::vector<std::string> qs(queries.begin(), queries.end());
    std::vector<std::vector<Document>> ds(docs.size());
    for (std::size_t q = 0; q < docs.size(); ++q) {
      for (std::string_view t : docs[q]) ds[q].push_back({std::to_string(ds[q].size()), std::string(t), {}});
    }
    const std::uint64_t batches_before = runtime::served_runtime(*ranker_)->counters().batches.load();
    const std::vector<Scores> scores = ranker_->score_many(qs, ds, options);
    PairStats total;
    std::vector<std::vector<PairScore>> out(scores.size());
    for (std::size_t q = 0; q < scores.size(); ++q) {
      for (std::size_t d = 0; d < scores[q].values.size(); ++d) {
        const DocumentStats& ds_stats = scores[q].documents.at(d);
        out[q].push_back({ds_stats.outputs, scores[q].values[d], ds_stats.tokens, ds_stats.truncated});
        ++total.pairs;
        total.tokens += ds_stats.tokens;
        total.truncated += ds_stats.truncated ? 1 : 0;
        total.truncation_fallbacks += ds_stats.longest_first_fallback ? 1 : 0;
      }
    }
    total.batches = runtime::served_runtime(*ranker_)->counters().batches.load() - batches_before;
    if (stats) *stats = total;
    return out;
  }

 private:
  std::unique_ptr<Ranker> ranker_;
  const CrossEncoderRanker* ce_;
};

std::unique_ptr<LoadedCrossEncoder> load_ce(const std::string& spec, std::size_t max_length = 0,
                                            const std::string& truncation = "", std::size_t batch_tokens = 0,
                                            const std::string& precision = "fp32") {
  LoadOptions o;
  o.max_length = max_length;
  o.truncation = truncation;
  o.batch_tokens = batch_tokens;
  o.precision = precision;
  o.threads = 2;
  auto loaded = std::make_unique<LoadedCrossEncoder>(load(spec, o));
  if (!loaded->valid()) return nullptr;
  return loaded;
}

// Groups a case's pairs by consecutive query, as a request would.
struct Grouped {
  std::vector<std::string_view> queries;
  std::vector<std::vector<std::string_view>> docs;
  std::vector<std::pair<std::size_t, std::size_t>> where;
};

Grouped group_pairs(const nlohmann::json& pairs, std::vector<std::string>& storage) {
  storage.clear();
  for (const auto& p : pairs) {
    storage.push_back(p[0].get<std::string>());
    storage.push_back(p[1].get<std::string>());
  }
  Grouped g;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string& q = storage[2 * i];
    if (g.queries.empty() || g.queries.back() != q) {
      g.queries.push_back(q);
      g.docs.emplace_back();
    }
    g.where.emplace_back(g.queries.size() - 1, g.docs.back().size());
    g.docs.back().push_back(storage[2 * i + 1]);
  }
  return g;
}

class CrossEncoderFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(CrossEncoderFixture, Fp32MatchesTransformersThroughTheTokenizer) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  const auto cases = rerank::testing::read_json(dir / "cases.json");
  for (const auto& c : cases["cases"]) {
    // A small token budget too, so the engine splits the case into several batches.
    for (std::size_t budget : {std::size_t{0}, std::size_t{700}}) {
      auto ranker = load_ce(dir.string(), c["max_length"].get<std::size_t>(), c["truncation"].get<std::string>(), budget);
      ASSERT_NE(ranker, nullptr);
      EXPECT_EQ(ranker->info().score_kind, ScoreKind::Logit);
      std::vector<std::string> storage;
      const Grouped g = group_pairs(c["pairs"], storage);
      PairStats stats;
      const auto scored = ranker->score_pairs(g.queries, g.docs, {}, &stats);
      if (budget == 700) {
        EXPECT_GT(stats.batches, 1u);
      }
      for (std::size_t i = 0; i < g.where.size(); ++i) {
        const PairScore& p = scored[g.where[i].first][g.where[i].second];
        const auto expected = c["logits"][i].get<std::vector<double>>();
        EXPECT_EQ(p.tokens, c["input_ids"][i].size()) << "pair " << i;
        ASSERT_EQ(p.logits.size(), expected.size());
        for (std::size_t l = 0; l < expected.size(); ++l) {
          EXPECT_NEAR(p.logits[l], expected[l], 1e-4) << GetParam() << " max_length " << c["max_length"] << " pair " << i;
        }
        const double score = expected.size() == 2 ? expected[1] - expected[0] : expected[0];
        EXPECT_NEAR(p.score, score, 2e-4);
      }
    }
  }
}

// Every case as a user runs it: `rerank score --model DIR` on JSONL, batches formed by the CLI.
TEST_P(CrossEncoderFixture, RerankScoreCliMatches) {
  RERANK_REQUIRE_SHARED(dir, std::string("reference/") + GetParam());
  const auto cases = rerank::testing::read_json(dir / "cases.json");
  for (const auto& c : cases["cases"]) {
    std::string input;
    for (const auto& p : c["pairs"]) input += nlohmann::json({{"query", p[0]}, {"document", p[1]}}).dump() + "\n";
    const auto r = rerank::testing::run_cli("score --model " + dir.string() + " --max-length " +
                                                std::to_string(c["max_length"].get<int>()) + " --truncation " +
                                                c["truncation"].get<std::string>(),
                                            input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    std::size_t i = 0;
    while (std::getline(lines, line)) {
      ASSERT_LT(i, c["pairs"].size());
      const auto j = nlohmann::json::parse(line);
      const auto expected = c["logits"][i].get<std::vector<double>>();
      ASSERT_EQ(j["logits"].size(), expected.size());
      for (std::size_t l = 0; l < expected.size(); ++l) {
        EXPECT_NEAR(j["logits"][l].get<double>(), expected[l], 1e-4) << "max_length " << c["max_length"] << " pair " << i;
      }
      EXPECT_EQ(j["tokens"].get<std::size_t>(), c["input_ids"][i].size());
      ++i;
    }
    EXPECT_EQ(i, c["pairs"].size());
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CrossEncoderFixture,
                         ::testing::Values("bert-ce", "bert-ce-2label", "xlmr-ce", "electra-ce", "modernbert-ce"));

TEST(CrossEncoderRanker, ScoresRankAndTwoLabelRule) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce-2label");
  auto ranker = load_ce(dir.string());
  std::vector<Document> docs = {{"a", "the cat sat on the mat", {}}, {"b", "dogs bark", {}}, {"c", "", {}}};
  const Scores s = ranker->score_documents("where did the cat sit", docs);
  ASSERT_EQ(s.values.size(), 3u);
  const std::vector<std::string_view> q = {"where did the cat sit"};
  const std::vector<std::vector<std::string_view>> d = {{"the cat sat on the mat", "dogs bark", ""}};
  const auto pairs = ranker->score_pairs(q, d);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(s.values[i], pairs[0][i].score);
    EXPECT_NEAR(pairs[0][i].score, pairs[0][i].logits[1] - pairs[0][i].logits[0], 1e-6);
  }
  EXPECT_GT(s.usage["tokens"].get<std::size_t>(), 0u);
  const RankedResults ranked = ranker->rank("where did the cat sit", docs);
  EXPECT_EQ(ranked.size(), 3u);
}

TEST(CrossEncoderRanker, EmptyHugeAndManyDocuments) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  auto ranker = load_ce(dir.string());
  std::string huge;
  while (huge.size() < (1u << 20)) huge += "the quick brown fox jumps over the lazy dog. ";
  const std::vector<std::string_view> q = {"fox"};
  std::vector<std::vector<std::string_view>> d = {{"", huge}};
  PairStats stats;
  const auto s = ranker->score_pairs(q, d, {}, &stats);
  EXPECT_TRUE(std::isfinite(s[0][0].score));
  EXPECT_EQ(s[0][0].tokens, ranker->tokenizer().encode_raw("fox").size() + 3);  // [CLS] fox [SEP] [SEP]
  EXPECT_EQ(s[0][1].tokens, ranker->max_length());
  EXPECT_EQ(stats.truncated, 1u);

  // 10,000 pairs in one call: batches are formed under the budget and results stay in order.
  std::vector<std::string> texts;
  for (int i = 0; i < 10000; ++i) texts.push_back("document number " + std::to_string(i % 37) + " about foxes");
  std::vector<std::vector<std::string_view>> many(1);
  for (const auto& t : texts) many[0].push_back(t);
  const auto m = ranker->score_pairs(q, many, {}, &stats);
  ASSERT_EQ(m[0].size(), 10000u);
  EXPECT_GT(stats.batches, 1u);
  for (int i = 0; i < 10000; ++i) ASSERT_NEAR(m[0][i].score, m[0][i % 37].score, 1e-5) << i;
}

TEST(CrossEncoderRanker, LongQueryFallsBackToLongestFirst) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  std::string query;
  for (int i = 0; i < 80; ++i) query += "query ";
  const std::vector<std::string_view> q = {query};
  const std::vector<std::vector<std::string_view>> d = {{"a short document about nothing"}};
  auto ranker = load_ce(dir.string(), 48);  // default: only_second, falling back
  PairStats stats;
  const auto s = ranker->score_pairs(q, d, {}, &stats);
  EXPECT_EQ(stats.truncation_fallbacks, 1u);
  EXPECT_EQ(s[0][0].tokens, 48u);
  auto strict = load_ce(dir.string(), 48, "only_second");
  try {
    strict->score_pairs(q, d);
    ADD_FAILURE() << "only_second with a long query must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
  }
  ScoreOptions no_trunc;
  no_trunc.truncate = false;
  EXPECT_THROW(ranker->score_pairs(q, d, no_trunc), Error);
}

// A ranker on the fixture checkpoint with the given tokenizer threads (what a GPU device
// gets by default) and a small token budget, so that a call spans many batches.
std::unique_ptr<LoadedCrossEncoder> ranker_with_tokenizer_threads(const std::filesystem::path& dir,
                                                                  std::size_t threads, std::size_t max_length = 0) {
  engine::DeviceOptions device;
  device.threads = 2;
  CrossEncoderOptions options;
  options.tokenizer_threads = threads;
  options.max_length = max_length;
  RankerInfo info;
  info.type = "cross-encoder";
  auto ce = std::make_unique<CrossEncoderRanker>(
      info, text::Tokenizer::from_directory(dir),
      models::load_model(dir, engine::make_device(device), engine::Precision::F32), options);
  return std::make_unique<LoadedCrossEncoder>(std::make_unique<runtime::ServedModelRanker>(std::move(ce), 700));
}

TEST(CrossEncoderRanker, TokenizingAheadOnThreadsChangesNothing) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  auto serial = ranker_with_tokenizer_threads(dir, 1, 64);
  auto threaded = ranker_with_tokenizer_threads(dir, 4, 64);
  // 3 queries (one too long for only_second, so it falls back) x 150 documents of varied
  // length, some cut to max_length, some empty: many chunks and many batches.
  std::string long_query;
  for (int i = 0; i < 70; ++i) long_query += "why ";
  const std::vector<std::string_view> queries = {"what do foxes eat", long_query, "cats"};
  std::vector<std::string> texts;
  for (int i = 0; i < 150; ++i) {
    std::string t;
    for (int w = 0; w < (i * 13) % 90; ++w) t += "word" + std::to_string((i + w) % 17) + " ";
    texts.push_back(t);
  }
  std::vector<std::vector<std::string_view>> docs(queries.size());
  for (auto& per_query : docs) per_query.assign(texts.begin(), texts.end());

  PairStats a_stats, b_stats;
  const auto a = serial->score_pairs(queries, docs, {}, &a_stats);
  const auto b = threaded->score_pairs(queries, docs, {}, &b_stats);
  EXPECT_EQ(a_stats.pairs, 450u);
  EXPECT_EQ(a_stats.truncation_fallbacks, 150u);
  EXPECT_GT(a_stats.truncated, 0u);
  EXPECT_GT(a_stats.batches, 20u);
  EXPECT_EQ(b_stats.pairs, a_stats.pairs);
  EXPECT_EQ(b_stats.tokens, a_stats.tokens);
  EXPECT_EQ(b_stats.truncated, a_stats.truncated);
  EXPECT_EQ(b_stats.truncation_fallbacks, a_stats.truncation_fallbacks);
  EXPECT_EQ(b_stats.batches, a_stats.batches);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    for (std::size_t d = 0; d < texts.size(); ++d) {
      // The same pairs in the same batches: the same arithmetic, bit for bit.
      ASSERT_EQ(a[q][d].score, b[q][d].score) << q << "/" << d;
      ASSERT_EQ(a[q][d].tokens, b[q][d].tokens) << q << "/" << d;
      ASSERT_EQ(a[q][d].truncated, b[q][d].truncated) << q << "/" << d;
    }
  }

  // The first pair that cannot be fitted is the error, whichever thread tokenised it.
  ScoreOptions strict;
  strict.truncate = false;
  std::string serial_error, threaded_error;
  try {
    serial->score_pairs(queries, docs, strict);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    serial_error = e.what();
  }
  try {
    threaded->score_pairs(queries, docs, strict);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    threaded_error = e.what();
  }
  EXPECT_NE(serial_error.find("document"), std::string::npos) << serial_error;
  EXPECT_EQ(threaded_error, serial_error);
}

TEST(CrossEncoderRanker, MaxLengthBeyondPositionsIsRejected) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  try {
    load_ce(dir.string(), 4096);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
}

// A pair that hits tokenizers 0.23's truncation early exit: the fixture's BERT weights with the
// toy WordPiece tokenizer (tests/support/toy_wordpiece.hpp), max length 8 (budget 5).
// Query 12 x "a" is capped to 8 tokens, the document "x x x x x x x zzz" (10 tokens) keeps 10,
// so the document is the longer one and gets the odd token: [CLS] a a [SEP] x x x [SEP].
// Comparing full lengths (12 > 10) would give it to the query instead.
TEST(CrossEncoderRanker, PairTruncationFollowsTheReferenceEarlyExit) {
  RERANK_REQUIRE_SHARED(fixture, "reference/bert-ce");
  testing::TempDir dir;
  std::filesystem::copy_file(fixture / "config.json", dir / "config.json");
  std::filesystem::copy_file(fixture / "model.safetensors", dir / "model.safetensors");
  testing::write_file(dir / "tokenizer.json", testing::toy::wordpiece_json().dump());
  auto ranker = load_ce(dir.path().string(), 8, "longest_first");
  ASSERT_NE(ranker, nullptr);
  using namespace testing::toy;
  const std::string query = words("a", 12), document = words("x", 7) + " zzz";
  const std::vector<std::string_view> q = {query};
  const std::vector<std::vector<std::string_view>> d = {{document}};
  const auto scored = ranker->score_pairs(q, d);
  ASSERT_EQ(scored[0][0].tokens, 8u);

  auto logits_of = [&](const std::vector<std::int32_t>& ids, std::size_t first_len) {
    std::vector<std::int32_t> types(ids.size(), 0);
    for (std::size_t i = first_len; i < ids.size(); ++i) types[i] = 1;
    engine::PackedBatch batch;
    ranker->model().append_sequence(batch, ids, types);
    auto session = ranker->model().device().make_session();
    return ranker->model().forward(*session, batch);
  };
  const auto reference = logits_of({CLS, A, A, SEP, X, X, X, SEP}, 4);
  const auto full_lengths = logits_of({CLS, A, A, A, SEP, X, X, SEP}, 5);
  // The two tokenisations must score apart, or this test could not tell them apart.
  ASSERT_GT(std::abs(reference[0] - full_lengths[0]), 1e-3);
  EXPECT_NEAR(scored[0][0].logits[0], reference[0], 1e-5);
  EXPECT_EQ(ranker->tokenizer().encode_pair(query, document, true, [] {
    text::TruncationOptions t;
    t.max_length = 8;
    return t;
  }()).ids, (std::vector<std::int32_t>{CLS, A, A, SEP, X, X, X, SEP}));
}

TEST(CrossEncoderRanker, ShapeModelsLoadAndScore) {
  RERANK_REQUIRE_SHARED(tok, "vocab/bert-base-uncased");
  ::setenv("RERANK_SHARED_DIR", tok.parent_path().parent_path().c_str(), 1);
  auto ranker = load_ce("shape:minilm-l6");
  ASSERT_NE(ranker, nullptr);
  const auto& encoder = dynamic_cast<const models::EncoderClassifier&>(ranker->model());
  EXPECT_EQ(encoder.config().hidden_size, 384);
  EXPECT_EQ(encoder.config().num_hidden_layers, 6);
  const std::vector<std::string_view> q = {"what is a shape model"};
  const std::vector<std::vector<std::string_view>> d = {{"random weights", "seed zero"}};
  const auto s = ranker->score_pairs(q, d);
  EXPECT_TRUE(std::isfinite(s[0][0].score));
  EXPECT_THROW(load_ce("shape:nonexistent"), Error);
}

// The published model card scores, when the real checkpoint is in the Hugging Face cache.
TEST(CrossEncoderRanker, MsMarcoMiniLmBerlinScores) {
  const auto snapshot = io::find_cached_snapshot({"cross-encoder/ms-marco-MiniLM-L6-v2", "main"});
  if (!snapshot || !std::filesystem::exists(*snapshot / "model.safetensors")) {
    GTEST_SKIP() << "cross-encoder/ms-marco-MiniLM-L6-v2 is not in the Hugging Face cache";
  }
  auto ranker = load_ce(snapshot->string());
  const std::vector<std::string_view> q = {"How many people live in Berlin?"};
  const std::vector<std::vector<std::string_view>> d = {
      {"Berlin had a population of 3,520,031 registered inhabitants in an area of 891.82 square kilometers.",
       "Berlin is well known for its museums."}};
  const auto s = ranker->score_pairs(q, d);
  EXPECT_NEAR(s[0][0].score, 8.607138, 1e-3);
  EXPECT_NEAR(s[0][1].score, -4.320078, 1e-3);
}

}  // namespace
}  // namespace rerank
