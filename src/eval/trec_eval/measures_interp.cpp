// Interpolated precision at recall levels, its 11-point average, and precision at multiples of R.
#include <cmath>
#include <vector>

#include "eval/trec_eval/measures.hpp"

namespace rerank::eval::trec_eval::measures {

namespace {

// Number of relevant documents that reaches recall level `fraction` of `num_rel`. trec_eval
// 10.x rounds to the nearest count (47.4 -> 47, 38.5 -> 39); its expected outputs
// (out.test.aq: iprec_at_recall_0.10 of query 301, _0.60 of query 302) fix this choice, which
// differs from trec_eval 9's "+ 0.9".
long rel_count_at_recall(double fraction, long num_rel) {
  return static_cast<long>(fraction * static_cast<double>(num_rel) + 0.5);
}

// Interpolated precision, Int_Prec(rank X) = max over ranks Y >= X of Prec(Y), read at the rank
// of the cutoffs[c]-th relevant document. A cutoff beyond the relevant documents retrieved gets
// 0; cutoffs of 0 get the maximum over the whole list (from the first relevant document on).
// `visit(c, value)` receives each cutoff's value.
template <typename Visit>
void interpolate(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<long>& cutoffs,
                 Visit visit) {
  long current = static_cast<long>(cutoffs.size()) - 1;
  while (current >= 0 && cutoffs[static_cast<std::size_t>(current)] > r.num_rel_ret) --current;
  double int_precis = static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_ret);
  long rel_so_far = r.num_rel_ret;
  for (long i = r.num_ret; i > 0 && rel_so_far > 0; --i) {
    const double precis = static_cast<double>(rel_so_far) / static_cast<double>(i);
    if (int_precis < precis) int_precis = precis;
    if (r.rels[i - 1] >= ctx.relevance_level) {
      while (current >= 0 && rel_so_far == cutoffs[static_cast<std::size_t>(current)]) {
        visit(current, int_precis);
        --current;
      }
      --rel_so_far;
    }
  }
  for (; current >= 0; --current) visit(current, int_precis);
}

std::vector<long> recall_cutoffs(const std::vector<double>& fractions, long num_rel) {
  std::vector<long> cutoffs;
  cutoffs.reserve(fractions.size());
  for (double f : fractions) cutoffs.push_back(rel_count_at_recall(f, num_rel));
  return cutoffs;
}

}  // namespace

void iprec_at_recall(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p,
                     std::span<double> out, std::string*) {
  if (r.num_ret == 0) return;
  interpolate(r, ctx, recall_cutoffs(p.doubles, r.num_rel),
              [&](long c, double value) { out[static_cast<std::size_t>(c)] = value; });
}

// Mean of the interpolated precisions at the given recall levels (default the 11 levels 0..1).
void pt11_avg(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p,
              std::span<double> out, std::string*) {
  if (r.num_ret == 0 || p.doubles.empty()) return;
  double sum = 0.0;
  interpolate(r, ctx, recall_cutoffs(p.doubles, r.num_rel), [&](long, double value) { sum += value; });
  out[0] = sum / static_cast<double>(p.doubles.size());
}

// Precision after (m * R + 0.9, truncated) documents for each multiple m of R = num_rel. Past the
// end of the list the missing documents count as nonrelevant. Not interpolated.
void Rprec_mult(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p,
                std::span<double> out, std::string*) {
  if (r.num_ret == 0) return;
  std::vector<long> cutoffs;
  for (double m : p.doubles) cutoffs.push_back(static_cast<long>(m * static_cast<double>(r.num_rel) + 0.9));
  long current = static_cast<long>(cutoffs.size()) - 1;
  while (current >= 0 && cutoffs[static_cast<std::size_t>(current)] > r.num_ret) {
    out[static_cast<std::size_t>(current)] =
        static_cast<double>(r.num_rel_ret) / static_cast<double>(cutoffs[static_cast<std::size_t>(current)]);
    --current;
  }
  long rel_so_far = r.num_rel_ret;
  for (long i = r.num_ret; i > 0 && rel_so_far > 0; --i) {
    const double precis = static_cast<double>(rel_so_far) / static_cast<double>(i);
    while (current >= 0 && i == cutoffs[static_cast<std::size_t>(current)]) {
      out[static_cast<std::size_t>(current)] = precis;
      --current;
    }
    if (r.rels[i - 1] >= ctx.relevance_level) --rel_so_far;
  }
}

}  // namespace rerank::eval::trec_eval::measures
