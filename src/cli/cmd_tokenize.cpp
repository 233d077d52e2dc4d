// rerank tokenize: runs a Hugging Face tokenizer over JSONL on stdin ({"text": ...} or
// {"text": ..., "pair": ...}) and prints one JSON line per input with ids, type ids, tokens and
// code point offsets, or {"error": ...} for an input that cannot be encoded.
#include <iostream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "core/json_parse.hpp"
#include "text/tokenizer.hpp"

namespace rerank::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer_dir;
  std::optional<std::size_t> max_length;
  std::string truncation = "longest_first";
  std::string truncation_side = "right";
  std::size_t stride = 0;
  bool no_special_tokens = false;
};

nlohmann::json encode_line(const text::Tokenizer& tok, const std::string& line, const TokenizeOptions& opt,
                           const std::optional<text::TruncationOptions>& trunc) {
  nlohmann::json in;
  try {
    in = parse_json(line, "input line");
  } catch (const Error& e) {
    return {{"error", e.what()}};
  }
  if (!in.is_object() || !in.contains("text") || !in.at("text").is_string())
    return {{"error", "input line needs a string field \"text\""}};
  const std::string text = in.at("text").get<std::string>();
  std::optional<std::string> pair;
  if (auto it = in.find("pair"); it != in.end() && !it->is_null()) {
    if (!it->is_string()) return {{"error", "field \"pair\" must be a string"}};
    pair = it->get<std::string>();
  }
  try {
    const text::Encoding e = pair ? tok.encode_pair(text, *pair, !opt.no_special_tokens, trunc)
                                  : tok.encode(text, !opt.no_special_tokens, trunc);
    // Code point offsets per sequence; special tokens keep (0, 0).
    std::vector<std::pair<std::size_t, std::size_t>> offsets = e.offsets;
    for (std::uint32_t seq = 0; seq < 2; ++seq) {
      std::vector<std::pair<std::size_t, std::size_t>> mine;
      std::vector<std::size_t> where;
      for (std::size_t i = 0; i < e.size(); ++i)
        if (e.sequence_ids[i] == seq) {
          mine.push_back(e.offsets[i]);
          where.push_back(i);
        }
      if (where.empty()) continue;
      const auto conv = text::to_char_offsets(seq == 0 ? std::string_view(text) : std::string_view(*pair), mine);
      for (std::size_t k = 0; k < where.size(); ++k) offsets[where[k]] = conv[k];
    }
    nlohmann::json out;
    out["ids"] = e.ids;
    out["type_ids"] = e.type_ids;
    out["tokens"] = e.tokens;
    nlohmann::json offs = nlohmann::json::array();
    for (const auto& [s, t] : offsets) offs.push_back({s, t});
    out["offsets"] = std::move(offs);
    return out;
  } catch (const Error& err) {
    return {{"error", err.what()}};
  }
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto opt = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize", "Tokenize JSONL {\"text\": ..., \"pair\": ...} from stdin with a Hugging Face tokenizer");
  cmd->add_option("--tokenizer", opt->tokenizer_dir, "Folder with tokenizer.json (or a SentencePiece .model)")
      ->required();
  cmd->add_option("--max-length", opt->max_length, "Truncate to this many tokens, special tokens included");
  cmd->add_option("--truncation", opt->truncation, "Pair truncation strategy (with --max-length)")
      ->check(CLI::IsMember({"longest_first", "only_first", "only_second"}));
  cmd->add_option("--truncation-side", opt->truncation_side, "Which end truncation cuts (with --max-length)")
      ->check(CLI::IsMember({"right", "left"}));
  cmd->add_option("--stride", opt->stride,
                  "Overflow stride, checked as the reference checks it (the ids kept do not depend on it)");
  cmd->add_flag("--no-special-tokens", opt->no_special_tokens, "Do not add the post-processor's special tokens");
  cmd->callback([opt] {
    std::unique_ptr<text::Tokenizer> tok;
    try {
      tok = text::Tokenizer::from_directory(opt->tokenizer_dir);
    } catch (const Error& e) {
      throw CliError(kExitModel, e.what());
    }
    std::optional<text::TruncationOptions> trunc;
    if (opt->max_length) {
      trunc.emplace();
      trunc->max_length = *opt->max_length;
      trunc->strategy = text::parse_truncation_strategy(opt->truncation);
      trunc->direction = opt->truncation_side == "left" ? text::TruncationDirection::Left : text::TruncationDirection::Right;
      trunc->stride = opt->stride;
    }
    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      std::cout << encode_line(*tok, line, *opt, trunc).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << '\n';
    }
    std::cout.flush();
  });
}

}  // namespace rerank::cli
