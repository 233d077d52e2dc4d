#include "rankers/t5_ranker.hpp"

#include <algorithm>
#include <cmath>

#include "engine/types.hpp"
#include "models/load_model.hpp"
#include "rankers/model_files.hpp"
#include "rankers/prompt_template.hpp"
#include "rankers/scoring_tokens.hpp"
#include "rerank/error.hpp"

namespace rerank {

namespace {

const std::string kDefaultTrue = "\xE2\x96\x81" "true";    // ▁true
const std::string kDefaultFalse = "\xE2\x96\x81" "false";  // ▁false

}  // namespace

T5Ranker::T5Ranker(RankerInfo info, std::unique_ptr<text::Tokenizer> tokenizer,
                   std::shared_ptr<const models::Model> model, const LoadOptions& options)
    : info_(std::move(info)), tokenizer_(std::move(tokenizer)), model_(std::move(model)) {
  // make_t5_ranker loads the model with the true and false rows of its head only.
  if (model_->traits().output != models::OutputKind::SelectedLogits || model_->traits().outputs_per_sequence != 2) {
    throw Error(ErrorCode::NotSupported, "'" + model_->traits().architecture +
                                             "' does not output its vocabulary logits, so it cannot run as a t5 ranker");
  }
  for (const auto& [key, value] : options.params) {
    if (key != "template" && key != "true_token" && key != "false_token" && key != "score") {
      throw Error(ErrorCode::InvalidArgument,
                  "unknown t5 parameter '" + key + "' (template, true_token, false_token, score)");
    }
  }
  template_ = param_or(options, "template", "Query: {query} Document: {document} Relevant:");
  if (!template_has(template_, "document")) {
    throw Error(ErrorCode::InvalidArgument, "--param template=... must contain {document}");
  }
  const std::string rule = param_or(options, "score", "difference");
  if (rule == "difference") {
    rule_ = ScoreRule::Difference;
    info_.score_kind = ScoreKind::Logit;  // its sigmoid is P(true)
  } else if (rule == "logprob") {
    rule_ = ScoreRule::LogProb;
    info_.score_kind = ScoreKind::LogProbability;
  } else if (rule == "logit") {
    rule_ = ScoreRule::Logit;
    info_.score_kind = ScoreKind::RankingScore;
  } else {
    throw Error(ErrorCode::InvalidArgument, "--param score must be difference, logprob or logit, not '" + rule + "'");
  }
  max_length_ = options.max_length > 0 ? options.max_length : tokenizer_->model_max_length().value_or(512);
  max_length_ = std::min<std::size_t>(max_length_, static_cast<std::size_t>(model_->max_sequence_length()));
  if (max_length_ <= tokenizer_->num_special_tokens(false)) {
    throw Error(ErrorCode::InvalidArgument, "max length " + std::to_string(max_length_) + " leaves no room for text");
  }
  info_.device = model_->device().describe();
  info_.precision = std::string(engine::precision_name(model_->precision()));
  info_.max_length = max_length_;
}

PreparedRequest T5Ranker::prepare(std::string_view query, std::span<const std::string_view> documents,
                                  const ScoreOptions& options, bool token_strings) const {
  text::TruncationOptions trunc;
  trunc.max_length = max_length_;
  trunc.strategy = text::TruncationStrategy::LongestFirst;  // one text: cut from the right
  trunc.direction = options.truncate_left ? text::TruncationDirection::Left : text::TruncationDirection::Right;
  const std::size_t specials = tokenizer_->num_special_tokens(false);
  PreparedRequest out;
  out.sequences.reserve(documents.size());
  for (std::size_t d = 0; d < documents.size(); ++d) {
    std::string cut;
    const std::string_view document =
        document_within_tokens(*tokenizer_, documents[d], options.max_tokens_per_doc, cut);
    text::Encoding raw = tokenizer_->encode_raw(fill_template(template_, {{"query", query}, {"document", document}}));
    const std::size_t full = raw.size() + specials;
    PreparedSequence seq;
    seq.truncated = full > max_length_;
    if (seq.truncated && !options.truncate) {
      throw Error(ErrorCode::InvalidInput, "query + document " + std::to_string(d) + " is " + std::to_string(full) +
                                               " tokens in the template, over the maximum of " +
                                               std::to_string(max_length_) + " and truncation is off");
    }
    text::Encoding e = tokenizer_->combine(std::move(raw), std::nullopt, /*add_special_tokens=*/true, trunc);
    seq.input_ids = std::move(e.ids);
    seq.token_type_ids.assign(seq.input_ids.size(), 0);
    if (token_strings) seq.tokens = std::move(e.tokens);
    out.tokens += seq.length();
    out.sequences.push_back(std::move(seq));
  }
  return out;
}

double T5Ranker::score(std::span<const float> outputs) const {
  const double t = outputs[0];  // the true row, then the false row (make_t5_ranker)
  const double f = outputs[1];
  switch (rule_) {
    case ScoreRule::Difference: return t - f;
    case ScoreRule::Logit: return t;
    case ScoreRule::LogProb: {
      const double m = std::max(t, f);
      return t - (m + std::log(std::exp(t - m) + std::exp(f - m)));
    }
  }
  return t - f;
}

std::unique_ptr<ModelRanker> make_t5_ranker(const ModelSource& source, const LoadOptions& options,
                                            const models::ArchitectureTable& architectures) {
  const ModelFiles files(source, "t5");
  std::unique_ptr<text::Tokenizer> tokenizer = files.tokenizer();
  // Shape models tokenise with the shape tokenizer, whose "true"/"false" stand in for T5's
  // ▁true/▁false. Only the true and false rows of the head are loaded.
  models::ModelLoadOptions load = model_load_options(options);
  for (const auto& [key, fallback] :
       {std::pair{std::string("true_token"), files.shape() ? std::string("true") : kDefaultTrue},
        std::pair{std::string("false_token"), files.shape() ? std::string("false") : kDefaultFalse}}) {
    const std::string token = param_or(options, key, fallback);
    const std::optional<std::int32_t> id = scoring_token_id(*tokenizer, token);
    if (!id) missing_scoring_token(key, token);
    load.vocabulary_rows.push_back(*id);
  }
  RankerInfo info;
  info.type = "t5";
  info.spec = source.spec;
  info.model = files.display_name();
  info.directory = files.directory();
  return std::make_unique<T5Ranker>(std::move(info), std::move(tokenizer), files.load_model(load, architectures),
                                    options);
}

}  // namespace rerank
