#include "rankers/llm_ranker.hpp"

#include <algorithm>

#include "engine/types.hpp"
#include "models/load_model.hpp"
#include "rankers/cross_encoder_ranker.hpp"
#include "rankers/model_files.hpp"
#include "rankers/prompt_template.hpp"
#include "rankers/scoring_tokens.hpp"
#include "rerank/error.hpp"

namespace rerank {

namespace {

const std::vector<std::string> kParams = {"recipe", "instruction", "yes_token", "no_token",
                                          "prefix", "body",        "suffix"};

}  // namespace

LlmRecipe llm_recipe_from(const LoadOptions& options, const std::string& family) {
  for (const auto& [key, value] : options.params) {
    if (std::find(kParams.begin(), kParams.end(), key) == kParams.end()) {
      throw Error(ErrorCode::InvalidArgument, "unknown llm parameter '" + key +
                                                  "' (recipe, instruction, yes_token, no_token, prefix, body, suffix)");
    }
  }
  const auto named = options.params.find("recipe");
  LlmRecipe recipe = named != options.params.end() ? llm_recipe(named->second) : llm_recipe_for_family(family);
  recipe.default_instruction = param_or(options, "instruction", recipe.default_instruction);
  recipe.yes_token = param_or(options, "yes_token", recipe.yes_token);
  recipe.no_token = param_or(options, "no_token", recipe.no_token);
  recipe.prefix = param_or(options, "prefix", recipe.prefix);
  recipe.body = param_or(options, "body", recipe.body);
  recipe.suffix = param_or(options, "suffix", recipe.suffix);
  if (!template_has(recipe.body, "document")) {
    throw Error(ErrorCode::InvalidArgument, "the llm prompt body must contain {document}");
  }
  return recipe;
}

LlmRanker::LlmRanker(RankerInfo info, std::unique_ptr<text::Tokenizer> tokenizer,
                     std::shared_ptr<const models::Model> model, LlmRecipe recipe, std::size_t max_length)
    : info_(std::move(info)), tokenizer_(std::move(tokenizer)), model_(std::move(model)), recipe_(std::move(recipe)) {
  const models::ModelTraits& traits = model_->traits();
  // A causal LM was loaded with only the yes and no rows of its head (make_llm_ranker); a
  // -seq-cls conversion has its classifier.
  classifier_ = traits.output == models::OutputKind::SequenceLogits;
  if (!classifier_ && !(traits.output == models::OutputKind::SelectedLogits && traits.outputs_per_sequence == 2)) {
    throw Error(ErrorCode::NotSupported, "'" + traits.architecture + "' outputs neither its yes/no logits nor a "
                                                                     "classifier's, so it cannot run as an llm ranker");
  }
  info_.score_kind = ScoreKind::Logit;  // sigmoid(l_yes - l_no) = P(yes); a converted head likewise

  prefix_ = tokenizer_->encode_raw(recipe_.prefix);
  suffix_ = tokenizer_->encode_raw(recipe_.suffix);
  max_length_ = max_length > 0 ? max_length : recipe_.default_max_length;
  max_length_ = std::min<std::size_t>(max_length_, static_cast<std::size_t>(model_->max_sequence_length()));
  if (max_length_ <= prefix_.size() + suffix_.size() + tokenizer_->num_special_tokens(false)) {
    throw Error(ErrorCode::InvalidArgument, "max length " + std::to_string(max_length_) + " leaves no room for the " +
                                                std::to_string(prefix_.size() + suffix_.size()) +
                                                " tokens of the prompt's prefix and suffix");
  }
  info_.device = model_->device().describe();
  info_.precision = std::string(engine::precision_name(model_->precision()));
  info_.max_length = max_length_;
}

PreparedRequest LlmRanker::prepare(std::string_view query, std::span<const std::string_view> documents,
                                   const ScoreOptions& options, bool token_strings) const {
  const std::string_view instruction = options.instruction ? std::string_view(*options.instruction)
                                                           : std::string_view(recipe_.default_instruction);
  const std::size_t budget = max_length_ - prefix_.size() - suffix_.size();
  text::TruncationOptions trunc;
  trunc.max_length = budget;
  trunc.strategy = text::TruncationStrategy::LongestFirst;  // one text: a right cut
  trunc.direction = options.truncate_left ? text::TruncationDirection::Left : text::TruncationDirection::Right;
  const std::size_t specials = tokenizer_->num_special_tokens(false);
  PreparedRequest out;
  out.sequences.reserve(documents.size());
  for (std::size_t d = 0; d < documents.size(); ++d) {
    std::string cut;
    const std::string_view document =
        document_within_tokens(*tokenizer_, documents[d], options.max_tokens_per_doc, cut);
    text::Encoding body = tokenizer_->encode_raw(
        fill_template(recipe_.body, {{"instruction", instruction}, {"query", query}, {"document", document}}));
    PreparedSequence seq;
    seq.truncated = body.size() + specials > budget;
    if (seq.truncated && !options.truncate) {
      throw Error(ErrorCode::InvalidInput, "query + document " + std::to_string(d) + " is " +
                                               std::to_string(body.size() + specials + prefix_.size() + suffix_.size()) +
                                               " tokens in the prompt, over the maximum of " +
                                               std::to_string(max_length_) + " and truncation is off");
    }
    body = tokenizer_->combine(std::move(body), std::nullopt, /*add_special_tokens=*/true, trunc);
    seq.input_ids.reserve(prefix_.size() + body.size() + suffix_.size());
    const text::Encoding& cut_body = body;
    for (const text::Encoding* piece : {&prefix_, &cut_body, &suffix_}) {
      seq.input_ids.insert(seq.input_ids.end(), piece->ids.begin(), piece->ids.end());
      if (token_strings) seq.tokens.insert(seq.tokens.end(), piece->tokens.begin(), piece->tokens.end());
    }
    seq.token_type_ids.assign(seq.input_ids.size(), 0);
    out.tokens += seq.length();
    out.sequences.push_back(std::move(seq));
  }
  return out;
}

double LlmRanker::score(std::span<const float> outputs) const {
  if (classifier_) return score_from_logits(outputs.data(), outputs.size());
  return static_cast<double>(outputs[0]) - static_cast<double>(outputs[1]);  // the yes row, then the no row
}

std::unique_ptr<ModelRanker> make_llm_ranker(const ModelSource& source, const LoadOptions& options,
                                             const models::ArchitectureTable& architectures) {
  const ModelFiles files(source, "llm");
  const LlmRecipe recipe = llm_recipe_from(options, architectures.require(files.checkpoint()).family);
  std::unique_ptr<text::Tokenizer> tokenizer = files.tokenizer();
  // Only the yes and no rows of a causal LM's head are loaded; a classifier ignores them.
  models::ModelLoadOptions load = model_load_options(options);
  const std::optional<std::int32_t> yes = scoring_token_id(*tokenizer, recipe.yes_token);
  const std::optional<std::int32_t> no = scoring_token_id(*tokenizer, recipe.no_token);
  if (yes && no) load.vocabulary_rows = {*yes, *no};
  std::shared_ptr<const models::Model> model = files.load_model(load, architectures);
  if (model->traits().output != models::OutputKind::SequenceLogits) {
    if (!yes) missing_scoring_token("yes_token", recipe.yes_token);
    if (!no) missing_scoring_token("no_token", recipe.no_token);
  }
  RankerInfo info;
  info.type = "llm";
  info.spec = source.spec;
  info.model = files.display_name();
  info.directory = files.directory();
  return std::make_unique<LlmRanker>(std::move(info), std::move(tokenizer), std::move(model), recipe,
                                     options.max_length);
}

}  // namespace rerank
