#include "rankers/listwise/prompts.hpp"

#include <utf8proc.h>

#include <regex>

#include "rerank/error.hpp"

namespace rerank::listwise {

namespace {

// Python's str.isspace() for the characters a passage holds in practice: ASCII whitespace and
// the file/group/record/unit separators, NEL, and Unicode space and line/paragraph separators.
bool is_space(utf8proc_int32_t cp) {
  if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85) return true;
  const utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

// " ".join(text.split()[:max_words]).
std::string first_words(std::string_view text, std::size_t max_words) {
  std::string out;
  std::size_t words = 0;
  bool in_word = false;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  utf8proc_ssize_t at = 0;
  while (at < size) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n = utf8proc_iterate(bytes + at, size - at, &cp);
    if (n <= 0) n = 1;  // not UTF-8: kept as a byte of a word
    const bool space = cp >= 0 && is_space(cp);
    if (space) {
      in_word = false;
    } else {
      if (!in_word) {
        if (words == max_words) break;
        if (words > 0) out += ' ';
        ++words;
        in_word = true;
      }
      out.append(text.substr(static_cast<std::size_t>(at), static_cast<std::size_t>(n)));
    }
    at += n;
  }
  return out;
}

// "[12]" -> "(12)", rank_llm's _replace_number.
std::string replace_numbers(const std::string& text) {
  static const std::regex bracketed(R"(\[(\d+)\])");
  return std::regex_replace(text, bracketed, "($1)");
}

}  // namespace

PromptStyle parse_prompt_style(std::string_view name) {
  if (name == "rankgpt") return PromptStyle::RankGpt;
  if (name == "rank_zephyr" || name == "rankzephyr" || name == "rank_vicuna") return PromptStyle::RankZephyr;
  if (name == "first" || name == "rank_zephyr_alpha") return PromptStyle::First;
  throw Error(ErrorCode::InvalidArgument, "unknown listwise prompt '" + std::string(name) +
                                              "'; known: rankgpt, rank_zephyr (rank_vicuna), first (rank_zephyr_alpha)");
}

std::string render_passage(const Document& document, std::size_t max_words) {
  std::string content = document.text;
  const auto title = document.metadata.is_object() ? document.metadata.find("title") : document.metadata.end();
  if (document.metadata.is_object() && title != document.metadata.end() && title->is_string() &&
      !title->get<std::string>().empty()) {
    content = "Title: " + title->get<std::string>() + " Content: " + content;
  }
  return replace_numbers(first_words(content, max_words));  // split() also strips
}

std::vector<ChatMessage> listwise_prompt(PromptStyle style, std::string_view query_text,
                                         const std::vector<const Document*>& passages, std::size_t max_words) {
  const std::string query = replace_numbers(std::string(query_text));
  const std::string num = std::to_string(passages.size());
  std::vector<ChatMessage> out;
  if (style == PromptStyle::RankGpt) {
    out.push_back({"system", "You are RankGPT, an intelligent assistant that can rank passages based on their "
                             "relevancy to the query."});
    out.push_back({"user", "I will provide you with " + num + " passages, each indicated by number identifier [].\n"
                           "Rank the passages based on their relevance to query: " + query + "."});
    out.push_back({"assistant", "Okay, please provide the passages."});
    for (std::size_t i = 0; i < passages.size(); ++i) {
      const std::string id = std::to_string(i + 1);
      out.push_back({"user", "[" + id + "] " + render_passage(*passages[i], max_words)});
      out.push_back({"assistant", "Received passage [" + id + "]."});
    }
    out.push_back({"user", "Search Query: " + query + ".\nRank the " + num +
                               " passages above based on their relevance to the search query. The passages should "
                               "be listed in descending order using identifiers. The most relevant passages should "
                               "be listed first. The output format should be [] > [], e.g., [1] > [2]. Only "
                               "response the ranking results, do not say any word or explain."});
    return out;
  }
  // RankZephyr and FIRST: one template, numerical or alphabetical identifiers.
  const bool alpha = style == PromptStyle::First;
  if (alpha && passages.size() > 26) {
    throw Error(ErrorCode::InvalidArgument, "prompt=first names passages A to Z: a window of " +
                                                std::to_string(passages.size()) + " passages is more than 26");
  }
  auto identifier = [&](std::size_t i) {
    return alpha ? std::string(1, static_cast<char>('A' + i)) : std::to_string(i + 1);
  };
  out.push_back({"system", "You are RankLLM, an intelligent assistant that can rank passages based on their "
                           "relevancy to the query"});
  std::string user = "I will provide you with " + num + " passages, each indicated by a " +
                     (alpha ? "alphabetical" : "numerical") +
                     " identifier []. Rank the passages based on their relevance to the search query: " + query +
                     ".\n";
  for (std::size_t i = 0; i < passages.size(); ++i) {
    user += "[" + identifier(i) + "] " + render_passage(*passages[i], max_words) + "\n";
  }
  user += "Search Query: " + query + ".\nRank the " + num +
          " passages above based on their relevance to the search query. All the passages should be included and "
          "listed using identifiers, in descending order of relevance. The output format should be [] > [], e.g., " +
          std::string(alpha ? "[B] > [A]" : "[2] > [1]") +
          ", Answer concisely and directly and only respond with the ranking results, do not say any word "
          "or explain.";
  out.push_back({"user", std::move(user)});
  return out;
}

}  // namespace rerank::listwise
