#include "rankers/cross_encoder_ranker.hpp"

#include <algorithm>
#include <future>
#include <thread>

#include "models/load_model.hpp"
#include "rankers/model_files.hpp"
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
  info_.score_kind = ScoreKind::Logit;
  info_.device = model_->device().describe();
  info_.precision = std::string(engine::precision_name(model_->precision()));
  info_.max_length = max_length_;
}

CrossEncoderRanker::~CrossEncoderRanker() = default;

PreparedSequence CrossEncoderRanker::prepare_pair(
    const text::Encoding& query, std::string_view document, std::size_t index, const ScoreOptions& options,
    const text::TruncationOptions& trunc, bool token_strings) const {
  // With truncation on, the document is tokenised only as far as the early exit reads it
  // (the same encoding truncation would cap it to); without, in full for the error message.
  auto encode_document = [&] {
    text::Encoding doc = options.truncate ? tokenizer_->encode_raw_capped(document, trunc.max_length, trunc.direction)
                                          : tokenizer_->encode_raw(document);
    if (options.max_tokens_per_doc) cut_encoding(doc, *options.max_tokens_per_doc, options.truncate_left);
    return doc;
  };
  text::Encoding doc = encode_document();
  PreparedSequence out;
  // A capped document still holds at least max_length tokens, so `truncated` is exact.
  const std::size_t full = query.size() + doc.size() + specials_;
  out.truncated = full > max_length_;
  if (out.truncated && !options.truncate) {
    throw Error(ErrorCode::InvalidInput, "query + document " + std::to_string(index) + " is " +
                                             std::to_string(full) + " tokens, over the maximum of " +
                                             std::to_string(max_length_) + " and truncation is off");
  }
  text::Encoding pair;
  try {
    pair = tokenizer_->combine(query, std::move(doc), true, trunc);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InvalidInput || options_.truncation_given ||
        trunc.strategy == text::TruncationStrategy::LongestFirst) {
      throw;
    }
    // The query alone is too long for only_second: cut both, as longest_first does.
    text::TruncationOptions fallback = trunc;
    fallback.strategy = text::TruncationStrategy::LongestFirst;
    pair = tokenizer_->combine(query, encode_document(), true, fallback);
    out.longest_first_fallback = true;
  }
  out.input_ids = std::move(pair.ids);
  out.token_type_ids = std::move(pair.type_ids);
  if (token_strings) out.tokens = std::move(pair.tokens);
  return out;
}

PreparedRequest CrossEncoderRanker::prepare(std::string_view query, std::span<const std::string_view> documents,
                                            const ScoreOptions& options, bool token_strings) const {
  text::TruncationOptions trunc;
  trunc.max_length = max_length_;
  trunc.strategy = options_.truncation;
  trunc.direction = options.truncate_left ? text::TruncationDirection::Left : text::TruncationDirection::Right;
  const text::Encoding query_encoding = tokenizer_->encode_raw(query);  // once per request

  PreparedRequest out;
  out.sequences.resize(documents.size());
  auto prepare_range = [&](std::size_t first, std::size_t last) {
    for (std::size_t d = first; d < last; ++d) {
      out.sequences[d] = prepare_pair(query_encoding, documents[d], d, options, trunc, token_strings);
    }
  };
  constexpr std::size_t kChunk = 64;  // pairs tokenised per task: large enough to amortise a thread start
  if (options_.tokenizer_threads <= 1 || documents.size() <= kChunk) {
    prepare_range(0, documents.size());
  } else {
    // Chunks of documents are tokenised on worker threads, at most tokenizer_threads at a
    // time; the first error (in document order) is the one thrown, as in the serial loop.
    std::vector<std::future<void>> chunks;
    for (std::size_t first = 0; first < documents.size(); first += kChunk) {
      if (chunks.size() >= options_.tokenizer_threads) chunks[chunks.size() - options_.tokenizer_threads].wait();
      chunks.push_back(std::async(std::launch::async, prepare_range, first, std::min(documents.size(), first + kChunk)));
    }
    for (auto& c : chunks) c.get();
  }
  for (const PreparedSequence& s : out.sequences) out.tokens += s.length();
  return out;
}

double CrossEncoderRanker::score(std::span<const float> outputs) const {
  return score_from_logits(outputs.data(), outputs.size());
}

std::unique_ptr<ModelRanker> make_cross_encoder_ranker(const ModelSource& source, const LoadOptions& options,
                                                       const models::ArchitectureTable& architectures) {
  const models::ModelLoadOptions load = model_load_options(options);

  CrossEncoderOptions ce;
  ce.max_length = options.max_length;
  if (load.device != "cpu") {
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

  const ModelFiles files(source, "cross-encoder");
  info.model = files.display_name();
  info.directory = files.directory();
  return std::make_unique<CrossEncoderRanker>(std::move(info), files.tokenizer(), files.load_model(load, architectures),
                                              ce);
}

}  // namespace rerank
