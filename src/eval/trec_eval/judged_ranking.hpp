// One query's retrieved documents joined with its judgments: trec_eval's RES_RELS, the input of
// every measure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "eval/trec_eval/trec_files.hpp"

namespace rerank::eval::trec_eval {

// Relevance given to a retrieved document that is absent from the qrels of its query.
inline constexpr long kRelNotInPool = -1;
// Relevance given to a retrieved document judged with a negative value (pooled, not judged).
inline constexpr long kRelUnjudged = -2;

struct JudgedRanking {
  // Relevance of each retrieved document in rank order (rank 1 first): the judged value, or
  // kRelNotInPool / kRelUnjudged.
  std::vector<long> rels;
  long num_ret = 0;               // documents evaluated (after -M and -J)
  long num_rel = 0;               // judged documents with relevance >= the relevance level
  long num_rel_ret = 0;           // retrieved documents among them
  long num_nonpool = 0;           // retrieved documents absent from the qrels
  long num_unjudged_in_pool = 0;  // retrieved documents judged with a negative value
  // rel_levels[r]: number of judged documents with relevance r (r >= 0), over the whole qrels of
  // the query; its size is (highest judged level + 1), 0 when nothing has a level >= 0.
  std::vector<long> rel_levels;
};

struct RankingOptions {
  long relevance_level = 1;       // -l: minimum relevance counted as relevant
  long max_docs = -1;             // -M: evaluate only the top max_docs (negative: all)
  bool judged_docs_only = false;  // -J: drop documents without a judgment >= 0
};

// trec_eval's order: score descending, ties broken by docno descending (byte order).
bool ranks_before(const RunEntry& a, const RunEntry& b);

// Ranks `retrieved` and looks every document up in `judgments`. Throws Error(InvalidInput) when
// a document appears twice among the evaluated prefix, as trec_eval refuses duplicates.
JudgedRanking judge_ranking(const std::string& qid, const std::map<std::string, int>& judgments,
                            const std::vector<RunEntry>& retrieved, const RankingOptions& options);

}  // namespace rerank::eval::trec_eval
