#include "rankers/cross_encoder_ranker.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <thread>

#include "models/load_model.hpp"
#include "rankers/shape_models.hpp"
#include "rerank/error.hpp"
#include "text/truncation.hpp"

namespace rerank {

namespace {

constexpr std::size_t kDefaultMaxLength = 512;

// Cuts a raw document encoding to `n` tokens (from the left when `left`): a per-document
// budget of rerank's own (Cohere's max_tokens_per_doc), applied before pair truncation.
void cut_encoding(text::Encoding& e, std::size_t n, bool left) {
  text::truncate_encoding(e, n, left ? text::TruncationDirection::Left : text::TruncationDirection::Right);
}

}  // namespace

double score_from_logits(const float* logits, std::size_t labels) {
  return labels == 2 ? static_cast<double>(logits[1]) - static_cast<double>(logits[0])
                     : static_cast<double>(logits[0]);
}

// Returns a session to the pool when the scope ends (also on exceptions).
class CrossEncoderRanker::SessionLease {
 public:
  explicit SessionLease(const CrossEncoderRanker& r) : ranker_(r), session_(r.acquire_session()) {}
  ~SessionLease() { ranker_.release_session(std::move(session_)); }
  engine::Session& operator*() { return *session_; }

 private:
  const CrossEncoderRanker& ranker_;
  std::unique_ptr<engine::Session> session_;
};

CrossEncoderRanker::CrossEncoderRanker(RankerInfo info, std::unique_ptr<text::Tokenizer> tokenizer,
                                       std::shared_ptr<const models::Model> model,
                                       CrossEncoderOptions options)
    : info_(std::move(info)), tokenizer_(std::move(tokenizer)), model_(std::move(model)), options_(options) {
  if (model_->traits().output != models::OutputKind::SequenceLogits) {
    throw Error(ErrorCode::NotSupported, "'" + model_->traits().architecture +
                                             "' does not output sequence logits, so it cannot run as a cross-encoder");
  }
  const std::size_t labels = model_->num_labels();
  if (labels != 1 && labels != 2) {
    throw Error(ErrorCode::NotSupported,
                "the model has " + std::to_string(labels) +
                    " labels; a cross-encoder reranker needs 1 (a relevance logit) or 2 "
                    "(not relevant / relevant)");
  }
  const auto model_limit = static_cast<std::size_t>(model_->max_sequence_length());
  if (options_.max_length > 0) {
    if (options_.max_length > model_limit) {
      throw Error(ErrorCode::InvalidArgument, "--max-length " + std::to_string(options_.max_length) +
                                                  " exceeds the " + std::to_string(model_limit) +
                                                  " positions this model has");
    }
    max_length_ = options_.max_length;
  } else {
    max_length_ = std::min(tokenizer_->model_max_length().value_or(kDefaultMaxLength), model_limit);
  }
  specials_ = tokenizer_->num_special_tokens(true);
  if (max_length_ <= specials_) {
    throw Error(ErrorCode::InvalidArgument, "max length " + std::to_string(max_length_) +
                                                " leaves no room for text after the " +
                                                std::to_string(specials_) + " special tokens");
  }
  batch_tokens_ = options_.batch_tokens > 0 ? options_.batch_tokens : kDefaultBatchTokens;
  info_.score_kind = ScoreKind::Logit;
  info_.device = model_->device().describe();
  info_.precision = std::string(engine::precision_name(model_->precision()));
  info_.max_length = max_length_;
  info_.batch_tokens = batch_tokens_;
}

CrossEncoderRanker::~CrossEncoderRanker() = default;

std::unique_ptr<engine::Session> CrossEncoderRanker::acquire_session() const {
  {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    if (!idle_sessions_.empty()) {
      auto s = std::move(idle_sessions_.back());
      idle_sessions_.pop_back();
      return s;
    }
  }
  return model_->make_session();
}

void CrossEncoderRanker::release_session(std::unique_ptr<engine::Session> session) const {
  if (!session) return;
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  idle_sessions_.push_back(std::move(session));
}

CrossEncoderRanker::PreparedPair CrossEncoderRanker::prepare_pair(
    const text::Encoding& query, std::string_view document, std::size_t index, const ScoreOptions& options,
    const text::TruncationOptions& trunc) const {
  // With truncation on, the document is tokenised only as far as the early exit reads it
  // (the same encoding truncation would cap it to); without, in full for the error message.
  auto encode_document = [&] {
    text::Encoding doc = options.truncate ? tokenizer_->encode_raw_capped(document, trunc.max_length, trunc.direction)
                                          : tokenizer_->encode_raw(document);
    if (options.max_tokens_per_doc) cut_encoding(doc, *options.max_tokens_per_doc, options.truncate_left);
    return doc;
  };
  text::Encoding doc = encode_document();
  PreparedPair out;
  // A capped document still holds at least max_length tokens, so `over` is exact.
  const std::size_t full = query.size() + doc.size() + specials_;
  out.over = full > max_length_;
  if (out.over && !options.truncate) {
    throw Error(ErrorCode::InvalidInput, "query + document " + std::to_string(index) + " is " +
                                             std::to_string(full) + " tokens, over the maximum of " +
                                             std::to_string(max_length_) + " and truncation is off");
  }
  try {
    out.encoding = tokenizer_->combine(query, std::move(doc), true, trunc);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InvalidInput || options_.truncation_given ||
        trunc.strategy == text::TruncationStrategy::LongestFirst) {
      throw;
    }
    // The query alone is too long for only_second: cut both, as longest_first does.
    text::TruncationOptions fallback = trunc;
    fallback.strategy = text::TruncationStrategy::LongestFirst;
    out.encoding = tokenizer_->combine(query, encode_document(), true, fallback);
    out.fell_back = true;
  }
  return out;
}

std::vector<std::vector<PairScore>> CrossEncoderRanker::score_pairs(
    std::span<const std::string_view> queries,
    std::span<const std::vector<std::string_view>> documents_per_query, const ScoreOptions& options,
    PairStats* stats_out) const {
  if (queries.size() != documents_per_query.size()) {
    throw Error(ErrorCode::InvalidArgument, "score_pairs: one document list per query is needed");
  }
  PairStats stats;
  std::vector<std::vector<PairScore>> results(queries.size());
  for (std::size_t q = 0; q < queries.size(); ++q) results[q].resize(documents_per_query[q].size());

  const std::size_t labels = model_->num_labels();
  SessionLease session(*this);
  engine::PackedBatch batch;
  std::vector<PairScore*> pending;  // results slots of the pairs in `batch`

  auto flush = [&] {
    if (pending.empty()) return;
    const std::vector<float> logits = model_->forward(*session, batch);
    for (std::size_t i = 0; i < pending.size(); ++i) {
      const float* l = logits.data() + i * labels;
      pending[i]->logits.assign(l, l + labels);
      pending[i]->score = score_from_logits(l, labels);
    }
    ++stats.batches;
    pending.clear();
    batch = engine::PackedBatch();
  };
  // Adds a tokenised pair to the batch, running the batch first when the pair would not fit.
  auto add = [&](PairRef ref, PreparedPair&& prepared) {
    const text::Encoding& pair = prepared.encoding;
    if (pending.size() > 0 && batch.num_tokens() + pair.size() > batch_tokens_) flush();
    model_->append_sequence(batch, pair.ids, pair.type_ids);
    PairScore& slot = results[ref.query][ref.document];
    slot.tokens = pair.size();
    slot.truncated = prepared.over;
    slot.fell_back = prepared.fell_back;
    pending.push_back(&slot);
    ++stats.pairs;
    stats.tokens += pair.size();
    if (prepared.over) ++stats.truncated;
    if (prepared.fell_back) ++stats.truncation_fallbacks;
  };

  text::TruncationOptions trunc;
  trunc.max_length = max_length_;
  trunc.strategy = options_.truncation;
  trunc.direction =
      options.truncate_left ? text::TruncationDirection::Left : text::TruncationDirection::Right;
  // Each query is tokenised once per call and combined with each of its documents.
  std::vector<text::Encoding> query_encodings;
  query_encodings.reserve(queries.size());
  for (const std::string_view q : queries) query_encodings.push_back(tokenizer_->encode_raw(q));
  std::vector<PairRef> order;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    for (std::size_t d = 0; d < documents_per_query[q].size(); ++d) order.push_back({q, d});
  }
  auto prepare = [&](PairRef ref) {
    return prepare_pair(query_encodings[ref.query], documents_per_query[ref.query][ref.document],
                        ref.document, options, trunc);
  };

  constexpr std::size_t kChunk = 64;  // pairs tokenised per task: large enough to amortise a thread start
  if (options_.tokenizer_threads <= 1 || order.size() <= kChunk) {
    for (const PairRef ref : order) add(ref, prepare(ref));
  } else {
    // Chunks of pairs are tokenised on worker threads, a bounded number of chunks ahead of
    // the batch being run, so tokenisation overlaps the device's compute: a GPU otherwise
    // waits on one host core. Chunks are consumed in order, so batches, results and the
    // first error are the same as the serial loop's.
    std::deque<std::future<std::vector<PreparedPair>>> ahead;
    std::size_t next = 0;
    auto launch = [&] {
      const std::size_t first = next, last = std::min(order.size(), next + kChunk);
      next = last;
      ahead.push_back(std::async(std::launch::async, [&prepare, &order, first, last] {
        std::vector<PreparedPair> chunk;
        chunk.reserve(last - first);
        for (std::size_t i = first; i < last; ++i) chunk.push_back(prepare(order[i]));
        return chunk;
      }));
    };
    while (next < order.size() && ahead.size() < options_.tokenizer_threads) launch();
    std::size_t consumed = 0;
    while (!ahead.empty()) {
      std::vector<PreparedPair> chunk = ahead.front().get();
      ahead.pop_front();
      if (next < order.size()) launch();
      for (PreparedPair& p : chunk) add(order[consumed++], std::move(p));
    }
  }
  flush();
  if (stats_out) *stats_out = stats;
  return results;
}

std::vector<Scores> CrossEncoderRanker::score_many(std::span<const std::string> queries,
                                                   std::span<const std::vector<Document>> documents_per_query,
                                                   const ScoreOptions& options) const {
  if (queries.size() != documents_per_query.size()) {
    throw Error(ErrorCode::InvalidArgument, "score_many: one document list per query is needed");
  }
  std::vector<std::string_view> qs(queries.begin(), queries.end());
  std::vector<std::vector<std::string_view>> ds(documents_per_query.size());
  for (std::size_t q = 0; q < documents_per_query.size(); ++q) {
    for (const Document& doc : documents_per_query[q]) ds[q].push_back(doc.text);
  }
  PairStats stats;
  auto pairs = score_pairs(qs, ds, options, &stats);
  std::vector<Scores> out(queries.size());
  for (std::size_t q = 0; q < queries.size(); ++q) {
    out[q].ranker = info_.spec;
    std::size_t tokens = 0, truncated = 0;
    for (PairScore& p : pairs[q]) {
      out[q].values.push_back(p.score);
      out[q].flops += model_->flops(p.tokens);
      tokens += p.tokens;
      truncated += p.truncated ? 1 : 0;
      out[q].documents.push_back({std::move(p.logits), p.tokens, p.truncated, p.fell_back});
    }
    out[q].usage = {{"tokens", tokens}, {"truncated", truncated}};
    if (stats.truncation_fallbacks > 0) out[q].usage["truncation_fallbacks"] = stats.truncation_fallbacks;
  }
  return out;
}

Scores CrossEncoderRanker::score_documents(std::string_view query, std::span<const Document> documents,
                                           const ScoreOptions& options) const {
  const std::string q(query);
  const std::vector<Document> docs(documents.begin(), documents.end());
  return std::move(score_many(std::span<const std::string>(&q, 1),
                              std::span<const std::vector<Document>>(&docs, 1), options)[0]);
}

std::unique_ptr<Ranker> make_cross_encoder_ranker(const ModelSource& source, const LoadOptions& options,
                                                  const models::ArchitectureTable& architectures) {
  models::ModelLoadOptions load;
  load.device = options.device;
  load.threads = options.threads;
  load.precision = options.precision;

  CrossEncoderOptions ce;
  ce.max_length = options.max_length;
  ce.batch_tokens = options.batch_tokens;
  if (load.device != "cpu") {
    if (ce.batch_tokens == 0) ce.batch_tokens = kDefaultGpuBatchTokens;
    // Leave a core for the thread driving the GPU; tokenisation scales to about 8.
    const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
    ce.tokenizer_threads = std::min<std::size_t>(8, cores - 1);
  }
  if (!options.truncation.empty()) {
    ce.truncation = text::parse_truncation_strategy(options.truncation);
    ce.truncation_given = true;
  }

  RankerInfo info;
  info.type = "cross-encoder";
  info.spec = source.spec;
  info.score_kind = ScoreKind::Logit;

  std::shared_ptr<const models::Model> model;
  std::unique_ptr<text::Tokenizer> tokenizer;
  if (is_shape_spec(source.model) && source.directory.empty()) {
    model = load_shape_model(source.model, load, architectures);
    tokenizer = text::Tokenizer::from_directory(shape_tokenizer_dir());
    info.model = source.model + " (random weights)";
  } else {
    if (source.directory.empty()) {
      throw Error(ErrorCode::Internal, "spec '" + source.spec + "' reached the cross-encoder without a checkpoint");
    }
    // config.json as spec resolution parsed it; read here only when --type skipped detection.
    const models::CheckpointInfo checkpoint =
        source.config.is_object() ? models::checkpoint_from_config(source.config,
                                                                   (source.directory / "config.json").string(),
                                                                   source.directory)
                                  : models::read_checkpoint(source.directory);
    model = models::load_model(checkpoint, load, architectures);
    tokenizer = text::Tokenizer::from_directory(source.directory);
    info.model = source.model.empty() ? source.directory.filename().string() : source.model;
  }
  return std::make_unique<CrossEncoderRanker>(std::move(info), std::move(tokenizer), std::move(model), ce);
}

}  // namespace rerank
