// Measures built for incomplete judgments: they skip documents absent from the pool instead of
// counting them as nonrelevant (bpref, infAP), or measure how much they could matter (rbp_resid).
#include <algorithm>
#include <cmath>

#include "eval/trec_eval/measures.hpp"

namespace rerank::eval::trec_eval::measures {

namespace {

constexpr double kMinGeoMean = 0.00001;    // trec_eval's MIN_GEO_MEAN
constexpr double kInfApEpsilon = 0.00001;  // trec_eval's INFAP_EPSILON

// bpref = (1/R) sum over judged relevant retrieved docs of
//   1 - min(nonrel ranked above, R) / min(judged nonrelevant in qrels, R),
// counting only judged documents; documents outside the pool are skipped.
double bpref_value(const JudgedRanking& r, const MeasureContext& ctx) {
  long num_nonrel = 0;
  for (long j = 0; j < ctx.relevance_level && j < static_cast<long>(r.rel_levels.size()); ++j) {
    num_nonrel += r.rel_levels[static_cast<std::size_t>(j)];
  }
  long nonrel_so_far = 0;
  double bpref = 0.0;
  for (long j = 0; j < r.num_ret; ++j) {
    const long rel = r.rels[j];
    if (rel == kRelNotInPool || rel == kRelUnjudged) continue;
    if (rel >= 0 && rel < ctx.relevance_level) {
      ++nonrel_so_far;
    } else if (nonrel_so_far > 0) {
      bpref += 1.0 - (static_cast<double>(std::min(nonrel_so_far, r.num_rel)) /
                      static_cast<double>(std::min(num_nonrel, r.num_rel)));
    } else {
      bpref += 1.0;
    }
  }
  if (r.num_rel) bpref /= static_cast<double>(r.num_rel);
  return bpref;
}

}  // namespace

void bpref(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams&, std::span<double> out,
           std::string*) {
  out[0] = bpref_value(r, ctx);
}

void gm_bpref(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams&, std::span<double> out,
              std::string*) {
  out[0] = std::log(std::max(bpref_value(r, ctx), kMinGeoMean));
}

// Inferred AP (Yilmaz & Aslam): precision above each judged relevant document is estimated from
// the judged documents above it; pooled-but-unjudged documents are assumed to be relevant in the
// same proportion, documents outside the pool count as nonrelevant.
void infAP(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams&, std::span<double> out,
           std::string*) {
  long nonrel_so_far = 0;
  long rel_so_far = 0;
  long pool_unjudged_so_far = 0;
  double inf_ap = 0.0;
  for (long j = 0; j < r.num_ret; ++j) {
    const long rel = r.rels[j];
    if (rel == kRelNotInPool) continue;
    if (rel == kRelUnjudged) {
      ++pool_unjudged_so_far;
      continue;
    }
    if (rel >= 0 && rel < ctx.relevance_level) {
      ++nonrel_so_far;
      continue;
    }
    ++rel_so_far;
    if (j == 0) {
      inf_ap += 1.0;
    } else {
      const double fj = static_cast<double>(j);
      inf_ap += 1.0 / (fj + 1.0) +
                (fj / (fj + 1.0)) *
                    (static_cast<double>(rel_so_far - 1 + nonrel_so_far + pool_unjudged_so_far) / fj) *
                    ((static_cast<double>(rel_so_far - 1) + kInfApEpsilon) /
                     (static_cast<double>(rel_so_far - 1 + nonrel_so_far) + 2 * kInfApEpsilon));
    }
  }
  if (r.num_rel) inf_ap /= static_cast<double>(r.num_rel);
  out[0] = inf_ap;
}

// The most RBP could still rise if every unjudged retrieved document had full gain, plus the
// weight of the ranks beyond the list: p^num_ret + (1-p) * sum over unjudged ranks of p^(rank-1).
// 0 when every retrieved document is judged.
void rbp_resid(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
               std::string*) {
  double persistence = 0.9;
  for (const auto& [name, value] : p.pairs) {
    if (name == "p") persistence = value;
  }
  long unj_so_far = 0;
  double sum = 0.0;
  double cur_p = 1.0;
  for (long i = 0; i < r.num_ret; ++i) {
    if (r.rels[i] < 0) {
      ++unj_so_far;
      sum += cur_p;
    }
    cur_p = cur_p * persistence;
  }
  if (unj_so_far) out[0] = cur_p + (1 - persistence) * sum;
}

}  // namespace rerank::eval::trec_eval::measures
