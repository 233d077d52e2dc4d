#include "eval/trec_eval/judged_ranking.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "rerank/error.hpp"

namespace rerank::eval::trec_eval {

bool ranks_before(const RunEntry& a, const RunEntry& b) {
  if (a.score > b.score) return true;
  if (a.score < b.score) return false;
  return b.docid < a.docid;
}

JudgedRanking judge_ranking(const std::string& qid, const std::map<std::string, int>& judgments,
                            const std::vector<RunEntry>& retrieved, const RankingOptions& options) {
  std::vector<const RunEntry*> order;
  order.reserve(retrieved.size());
  for (const auto& entry : retrieved) order.push_back(&entry);
  std::sort(order.begin(), order.end(),
            [](const RunEntry* a, const RunEntry* b) { return ranks_before(*a, *b); });
  if (options.max_docs >= 0 && static_cast<long>(order.size()) > options.max_docs) {
    order.resize(static_cast<std::size_t>(options.max_docs));
  }

  // Duplicates are only an error among the documents actually evaluated (after -M).
  std::vector<const std::string*> docnos;
  docnos.reserve(order.size());
  for (const RunEntry* e : order) docnos.push_back(&e->docid);
  std::sort(docnos.begin(), docnos.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  for (std::size_t i = 1; i < docnos.size(); ++i) {
    if (*docnos[i] == *docnos[i - 1]) {
      throw Error(ErrorCode::InvalidInput,
                  fmt::format("run retrieves document '{}' more than once for query '{}'", *docnos[i], qid));
    }
  }

  JudgedRanking out;
  long max_rel = -1;
  for (const auto& [docno, rel] : judgments) max_rel = std::max<long>(max_rel, rel);
  out.rel_levels.assign(static_cast<std::size_t>(max_rel + 1), 0);
  for (const auto& [docno, rel] : judgments) {
    if (rel >= 0) ++out.rel_levels[static_cast<std::size_t>(rel)];
  }
  // Trailing zero counts do not make a level (trec_eval's num_rel_levels).
  while (!out.rel_levels.empty() && out.rel_levels.back() == 0) out.rel_levels.pop_back();
  for (std::size_t level = 0; level < out.rel_levels.size(); ++level) {
    if (static_cast<long>(level) >= options.relevance_level) out.num_rel += out.rel_levels[level];
  }

  out.rels.reserve(order.size());
  for (const RunEntry* e : order) {
    const auto it = judgments.find(e->docid);
    long rel = kRelNotInPool;
    if (it != judgments.end()) rel = it->second < 0 ? kRelUnjudged : it->second;
    if (options.judged_docs_only) {
      if (rel < 0) continue;
    } else if (rel == kRelNotInPool) {
      ++out.num_nonpool;
      out.rels.push_back(rel);
      continue;
    } else if (rel == kRelUnjudged) {
      ++out.num_unjudged_in_pool;
      out.rels.push_back(rel);
      continue;
    }
    if (rel >= options.relevance_level) ++out.num_rel_ret;
    out.rels.push_back(rel);
  }
  out.num_ret = static_cast<long>(out.rels.size());
  return out;
}

}  // namespace rerank::eval::trec_eval
