// A listwise LLM's answer ("[3] > [1] > [2]") as a permutation of the window it ranked, by
// rank_llm's rules (`clean_ranking_response` and `receive_permutation`, castorini/rank_llm
// @1b3cabb; ../shared/design/reranker_recipes.md 8.2), with what had to be repaired counted.
// Any text gives a valid permutation; nothing here throws on model output.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace rerank::listwise {

struct PermutationRepairs {
  std::size_t duplicates = 0;    // identifiers given again (the first mention counts)
  std::size_t out_of_range = 0;  // identifiers outside 1..window (after removing duplicates)
  std::size_t missing = 0;       // window positions the answer left out, appended in input order
  bool unclosed_think = false;   // a <think> block never closed: no ranking read, input order kept
  bool unparseable = false;      // a digit-like character int() refuses: input order kept
  bool any() const { return duplicates || out_of_range || missing || unclosed_think || unparseable; }
};

struct Permutation {
  std::vector<std::size_t> order;  // order[j]: the window position (0-based) ranked j-th
  PermutationRepairs repairs;
};

// Identifiers are numbers ("[1]".."[w]"), or letters with `alphabetic` (FIRST's "[A]".."[T]":
// every letter becomes its code point minus 64, as rank_llm maps them).
//  - Text up to the last "</think>" is reasoning and ignored; an opening "<think>" with no
//    closing one leaves no answer (rank_llm would read the reasoning's numbers as a ranking).
//  - Superscript, subscript, circled, negative-circled, full-width and 🄀-style digits count
//    as ASCII digits (rank_llm's table); other Unicode decimal digits count with their value,
//    as Python's int() reads them; digit-like characters that are not decimal (⑴, ⒈, ➀, ...)
//    make rank_llm's int() fail, which keeps the input order.
//  - Every other character separates numbers. Duplicates keep their first place, identifiers
//    outside the window are dropped, and the positions never named follow in input order.
Permutation parse_permutation(std::string_view answer, std::size_t window, bool alphabetic = false);

}  // namespace rerank::listwise
