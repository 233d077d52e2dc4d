// Counting and precision/recall style measures. Each mirrors trec_eval's m_<name>.c, including
// which queries get 0 (for example recall is 0, not undefined, when a query has no relevant doc).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "eval/trec_eval/measures.hpp"
#include "rerank/error.hpp"

namespace rerank::eval::trec_eval::measures {

namespace {

constexpr double kMinGeoMean = 0.00001;  // trec_eval's MIN_GEO_MEAN

bool is_rel(long rel, const MeasureContext& ctx) { return rel >= ctx.relevance_level; }

// Average precision over the relevant documents (0 when none is retrieved).
double average_precision(const JudgedRanking& r, const MeasureContext& ctx) {
  long rel_so_far = 0;
  double sum = 0.0;
  for (long i = 0; i < r.num_ret; ++i) {
    if (is_rel(r.rels[i], ctx)) {
      ++rel_so_far;
      sum += static_cast<double>(rel_so_far) / static_cast<double>(i + 1);
    }
  }
  return rel_so_far ? sum / static_cast<double>(r.num_rel) : 0.0;
}

// The shared loop of cutoff measures: value(k, rank_count_so_far) at each cutoff k, where the
// count covers the first min(k, num_ret) documents; `counts(rel)` says what is counted.
template <typename Counts, typename Value>
void at_cutoffs(const JudgedRanking& r, const std::vector<long>& cutoffs, std::span<double> out,
                Counts counts, Value value) {
  std::size_t ci = 0;
  long so_far = 0;
  for (long i = 0; i < r.num_ret && ci < cutoffs.size(); ++i) {
    if (i == cutoffs[ci]) {
      out[ci] = value(i, so_far, true);
      ++ci;
      if (ci == cutoffs.size()) break;
    }
    if (counts(r.rels[i])) ++so_far;
  }
  for (; ci < cutoffs.size(); ++ci) out[ci] = value(cutoffs[ci], so_far, false);
}

}  // namespace

void num_q(const JudgedRanking&, const MeasureContext&, const MeasureParams&, std::span<double> out,
           std::string*) {
  out[0] = 1;
}

void num_ret(const JudgedRanking& r, const MeasureContext&, const MeasureParams&, std::span<double> out,
             std::string*) {
  out[0] = static_cast<double>(r.num_ret);
}

void num_rel(const JudgedRanking& r, const MeasureContext&, const MeasureParams&, std::span<double> out,
             std::string*) {
  out[0] = static_cast<double>(r.num_rel);
}

void num_rel_ret(const JudgedRanking& r, const MeasureContext&, const MeasureParams&, std::span<double> out,
                 std::string*) {
  out[0] = static_cast<double>(r.num_rel_ret);
}

void num_nonrel_judged_ret(const JudgedRanking& r, const MeasureContext&, const MeasureParams&,
                           std::span<double> out, std::string*) {
  out[0] = static_cast<double>(r.num_ret - r.num_nonpool - r.num_unjudged_in_pool - r.num_rel_ret);
}

void map(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams&, std::span<double> out,
         std::string*) {
  out[0] = average_precision(r, ctx);
}

// Stored per query as log(max(AP, 1e-5)); the summary is exp(mean), a geometric mean in which
// a query with AP 0 counts as 1e-5.
void gm_map(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams&, std::span<double> out,
            std::string*) {
  out[0] = std::log(std::max(average_precision(r, ctx), kMinGeoMean));
}

void Rprec(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams&, std::span<double> out,
           std::string*) {
  const long n = std::min(r.num_ret, r.num_rel);
  if (n == 0) return;
  long rel_so_far = 0;
  for (long i = 0; i < n; ++i) {
    if (is_rel(r.rels[i], ctx)) ++rel_so_far;
  }
  out[0] = static_cast<double>(rel_so_far) / static_cast<double>(r.num_rel);
}

void recip_rank(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams&,
                std::span<double> out, std::string*) {
  for (long i = 0; i < r.num_ret; ++i) {
    if (is_rel(r.rels[i], ctx)) {
      out[0] = 1.0 / static_cast<double>(i + 1);
      return;
    }
  }
}

// Precision at k; when fewer than k documents are retrieved the rest count as nonrelevant.
void P(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p, std::span<double> out,
       std::string*) {
  at_cutoffs(
      r, p.long_cutoffs, out, [&](long rel) { return is_rel(rel, ctx); },
      [](long k, long so_far, bool) { return static_cast<double>(so_far) / static_cast<double>(k); });
}

// The relevance of the first N documents as characters: the level for 0..9, '>' above 9,
// '-' not in the pool, '.' pooled but unjudged.
void relstring(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double>,
               std::string* text) {
  long len = std::min(static_cast<long>(p.doubles.empty() ? 10.0 : p.doubles[0]), r.num_ret);
  if (len < 0) len = 0;
  std::string s;
  for (long i = 0; i < len; ++i) {
    const long rel = r.rels[i];
    char c = '<';
    if (rel > 9) {
      c = '>';
    } else if (rel >= 0) {
      c = static_cast<char>('0' + rel);
    } else if (rel == kRelNotInPool) {
      c = '-';
    } else if (rel == kRelUnjudged) {
      c = '.';
    }
    s.push_back(c);
  }
  if (text) *text = std::move(s);
}

void recall(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p, std::span<double> out,
            std::string*) {
  if (r.num_rel == 0) return;
  at_cutoffs(
      r, p.long_cutoffs, out, [&](long rel) { return is_rel(rel, ctx); },
      [&](long, long so_far, bool) { return static_cast<double>(so_far) / static_cast<double>(r.num_rel); });
}

// p1*a + p2*b + p3*c + p4*d over the contingency table (a = relevant retrieved, b = nonrelevant
// retrieved, c = relevant missed, d = the rest of the collection, from -N).
void utility(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p, std::span<double> out,
             std::string*) {
  if (p.doubles.size() != 4) {
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("measure utility needs 4 coefficients, got {}", p.doubles.size()));
  }
  const double* c = p.doubles.data();
  out[0] = c[0] * r.num_rel_ret + c[1] * (r.num_ret - r.num_rel_ret) + c[2] * (r.num_rel - r.num_rel_ret) +
           c[3] * (ctx.num_docs_in_coll + r.num_rel_ret - r.num_ret - r.num_rel);
}

void binG(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams&, std::span<double> out,
          std::string*) {
  long rel_so_far = 0;
  double sum = 0.0;
  for (long i = 0; i < r.num_ret; ++i) {
    if (is_rel(r.rels[i], ctx)) {
      ++rel_so_far;
      sum += 1.0 / std::log2(static_cast<double>(3 + i - rel_so_far));
    }
  }
  if (rel_so_far) out[0] = sum / static_cast<double>(r.num_rel);
}

// Average precision with documents below each cutoff treated as not retrieved.
void map_cut(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p, std::span<double> out,
             std::string*) {
  if (r.num_rel == 0) return;
  const auto& cutoffs = p.long_cutoffs;
  std::size_t ci = 0;
  long rel_so_far = 0;
  double sum = 0.0;
  for (long i = 0; i < r.num_ret; ++i) {
    if (i == cutoffs[ci]) {
      out[ci] = sum / static_cast<double>(r.num_rel);
      if (++ci == cutoffs.size()) break;
    }
    if (is_rel(r.rels[i], ctx)) {
      ++rel_so_far;
      sum += static_cast<double>(rel_so_far) / static_cast<double>(i + 1);
    }
  }
  for (; ci < cutoffs.size(); ++ci) out[ci] = sum / static_cast<double>(r.num_rel);
}

// Precision at k divided by the best possible precision at k: rel_so_far / min(k, num_rel).
void relative_P(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p,
                std::span<double> out, std::string*) {
  if (r.num_rel == 0) return;
  at_cutoffs(
      r, p.long_cutoffs, out, [&](long rel) { return is_rel(rel, ctx); },
      [&](long k, long so_far, bool) {
        return static_cast<double>(so_far) / static_cast<double>(k > r.num_rel ? r.num_rel : k);
      });
}

void success(const JudgedRanking& r, const MeasureContext& ctx, const MeasureParams& p, std::span<double> out,
             std::string*) {
  at_cutoffs(
      r, p.long_cutoffs, out, [&](long rel) { return is_rel(rel, ctx); },
      [](long, long so_far, bool) { return so_far ? 1.0 : 0.0; });
}

void set_P(const JudgedRanking& r, const MeasureContext&, const MeasureParams&, std::span<double> out,
           std::string*) {
  if (r.num_ret) out[0] = static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_ret);
}

void set_relative_P(const JudgedRanking& r, const MeasureContext&, const MeasureParams&,
                    std::span<double> out, std::string*) {
  if (r.num_ret && r.num_rel) {
    out[0] = static_cast<double>(r.num_rel_ret) / static_cast<double>(std::min(r.num_ret, r.num_rel));
  }
}

void set_recall(const JudgedRanking& r, const MeasureContext&, const MeasureParams&, std::span<double> out,
                std::string*) {
  if (r.num_rel) out[0] = static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_rel);
}

void set_map(const JudgedRanking& r, const MeasureContext&, const MeasureParams&, std::span<double> out,
             std::string*) {
  if (r.num_ret && r.num_rel) {
    out[0] = (static_cast<double>(r.num_rel_ret) * static_cast<double>(r.num_rel_ret)) /
             (static_cast<double>(r.num_ret) * static_cast<double>(r.num_rel));
  }
}

// (x+1) P R / (x P + R), x = the parameter (default 1).
void set_F(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
           std::string*) {
  if (r.num_rel_ret) {
    const double P_ = static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_ret);
    const double R_ = static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_rel);
    const double x = p.doubles.empty() ? 1.0 : p.doubles[0];
    out[0] = (x + 1.0) * P_ * R_ / (x * P_ + R_);
  }
}

// Fraction of the top k documents without a judgment (absent from qrels or negative).
void unj(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
         std::string*) {
  at_cutoffs(
      r, p.long_cutoffs, out, [](long rel) { return rel == kRelNotInPool || rel == kRelUnjudged; },
      [](long k, long so_far, bool) { return static_cast<double>(so_far) / static_cast<double>(k); });
}

}  // namespace rerank::eval::trec_eval::measures
