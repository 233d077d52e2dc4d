// Graded-gain measures: nDCG and its variants, G, and rank-biased precision. Gains default to
// the relevance level (level r has gain r) and can be overridden per level with "-m ndcg.2=5".
// Note that these ignore -l: a document's gain comes from its judged level alone.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "eval/trec_eval/measures.hpp"

namespace rerank::eval::trec_eval::measures {

namespace {

struct LevelGain {
  long level = 0;
  double gain = 0.0;
  long count = 0;  // judged documents at this level
};

// trec_eval's setup_gains: explicit level=gain pairs first (names that are not integers, like
// rbp's "p", are skipped), then every judged level not given explicitly with gain = level;
// sorted by increasing gain.
std::vector<LevelGain> setup_gains(const JudgedRanking& r, const MeasureParams& p) {
  std::vector<LevelGain> gains;
  for (const auto& [name, value] : p.pairs) {
    std::size_t i = (!name.empty() && (name[0] == '-' || name[0] == '+')) ? 1 : 0;
    if (i >= name.size()) continue;
    bool digits = true;
    for (; i < name.size(); ++i) digits = digits && name[i] >= '0' && name[i] <= '9';
    if (!digits) continue;
    gains.push_back({std::strtol(name.c_str(), nullptr, 10), value, 0});
  }
  const std::size_t explicit_count = gains.size();
  for (std::size_t level = 0; level < r.rel_levels.size(); ++level) {
    const long l = static_cast<long>(level);
    auto it = std::find_if(gains.begin(), gains.begin() + static_cast<long>(explicit_count),
                           [&](const LevelGain& g) { return g.level == l; });
    if (it != gains.begin() + static_cast<long>(explicit_count)) {
      it->count = r.rel_levels[level];
    } else {
      gains.push_back({l, static_cast<double>(l), r.rel_levels[level]});
    }
  }
  std::stable_sort(gains.begin(), gains.end(),
                   [](const LevelGain& a, const LevelGain& b) { return a.gain < b.gain; });
  return gains;
}

double gain_of(long rel, const std::vector<LevelGain>& gains) {
  for (const auto& g : gains) {
    if (g.level == rel) return g.gain;
  }
  return 0.0;
}

// Walks the ideal ranking: documents of the highest-gain level first, then lower levels.
class IdealWalk {
 public:
  explicit IdealWalk(const std::vector<LevelGain>& gains)
      : gains_(gains),
        level_(static_cast<long>(gains.size()) - 1),
        gain_(level_ >= 0 ? gains[static_cast<std::size_t>(level_)].gain : 0.0) {}
  // Gain of the next ideal document (the first call gives rank 1).
  double next() {
    ++num_at_level_;
    while (level_ >= 0 && num_at_level_ > gains_[static_cast<std::size_t>(level_)].count) {
      num_at_level_ = 1;
      --level_;
      gain_ = level_ >= 0 ? gains_[static_cast<std::size_t>(level_)].gain : 0.0;
    }
    return gain_;
  }
  double current() const { return gain_; }

 private:
  const std::vector<LevelGain>& gains_;
  long level_;
  double gain_;
  long num_at_level_ = 0;
};

struct DcgPair {
  double results = 0.0;
  double ideal = 0.0;
};

// DCG of the ranking and of the ideal ranking, each over its full length.
DcgPair full_dcg(const JudgedRanking& r, const MeasureParams& p) {
  const auto gains = setup_gains(r, p);
  IdealWalk ideal(gains);
  DcgPair d;
  long i = 0;
  for (; i < r.num_ret && ideal.current() > 0.0; ++i) {
    const double g = gain_of(r.rels[i], gains);
    if (g != 0) d.results += g / std::log2(static_cast<double>(i + 2));
    const double ig = ideal.next();
    if (ig > 0.0) d.ideal += ig / std::log2(static_cast<double>(i + 2));
  }
  for (; i < r.num_ret; ++i) {
    const double g = gain_of(r.rels[i], gains);
    if (g != 0) d.results += g / std::log2(static_cast<double>(i + 2));
  }
  while (ideal.current() > 0.0) {
    const double ig = ideal.next();
    if (ig > 0.0) d.ideal += ig / std::log2(static_cast<double>(i + 2));
    ++i;
  }
  return d;
}

}  // namespace

void dcg(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
         std::string*) {
  out[0] = full_dcg(r, p).results;
}

void ideal_dcg(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
               std::string*) {
  out[0] = full_dcg(r, p).ideal;
}

// DCG / ideal DCG over the whole ranking (gain / log2(rank + 1)).
void ndcg(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
          std::string*) {
  const DcgPair d = full_dcg(r, p);
  if (d.ideal > 0.0) out[0] = d.results / d.ideal;
}

// nDCG averaged over the relevant documents (gain > 0): for each one retrieved, nDCG at its
// rank; for each one missed, nDCG at the end of the ranking.
void ndcg_rel(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
              std::string*) {
  const auto gains = setup_gains(r, p);
  IdealWalk ideal(gains);
  double results_dcg = 0.0;
  double ideal_dcg_sum = 0.0;
  double sum = 0.0;
  long num_rel_ret = 0;
  long num_rel = 0;
  long i = 0;
  for (; i < r.num_ret && ideal.current() > 0.0; ++i) {
    const double g = gain_of(r.rels[i], gains);
    if (g != 0) results_dcg += g / std::log2(static_cast<double>(i + 2));
    const double ig = ideal.next();
    if (ig > 0.0) {
      ++num_rel;
      ideal_dcg_sum += ig / std::log2(static_cast<double>(i + 2));
    }
    if (g > 0) {
      sum += results_dcg / ideal_dcg_sum;
      ++num_rel_ret;
    }
  }
  for (; i < r.num_ret; ++i) {
    const double g = gain_of(r.rels[i], gains);
    if (g != 0) results_dcg += g / std::log2(static_cast<double>(i + 2));
    if (g > 0) {
      sum += results_dcg / ideal_dcg_sum;
      ++num_rel_ret;
    }
  }
  while (ideal.current() > 0.0) {
    const double ig = ideal.next();
    if (ig > 0.0) {
      ++num_rel;
      ideal_dcg_sum += ig / std::log2(static_cast<double>(i + 2));
    }
    ++i;
  }
  sum += static_cast<double>(num_rel - num_rel_ret) * results_dcg / ideal_dcg_sum;
  if (sum > 0.0) out[0] = sum / static_cast<double>(num_rel);
}

// nDCG averaged over the ranks where the ideal gain drops to a lower level (the "R" points of
// each level), plus the end of the ranking when it extends past them.
void Rndcg(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
           std::string*) {
  const auto gains = setup_gains(r, p);
  if (r.num_rel == 0) return;
  IdealWalk ideal(gains);
  double results_dcg = 0.0;
  double ideal_dcg_sum = 0.0;
  double sum = 0.0;
  double old_ideal_gain = ideal.current();
  long num_changed = 0;
  long i = 0;
  for (; i < r.num_ret && ideal.current() > 0.0; ++i) {
    const double g = gain_of(r.rels[i], gains);
    const double ig = ideal.next();
    if (old_ideal_gain != ig) {
      if (ideal_dcg_sum > 0.0) {
        sum += results_dcg / ideal_dcg_sum;
        ++num_changed;
      }
      old_ideal_gain = ig;
    }
    if (g != 0) results_dcg += g / std::log2(static_cast<double>(i + 2));
    if (ig > 0.0) ideal_dcg_sum += ig / std::log2(static_cast<double>(i + 2));
  }
  if (i < r.num_ret) {
    for (; i < r.num_ret; ++i) {
      const double g = gain_of(r.rels[i], gains);
      if (g != 0) results_dcg += g / std::log2(static_cast<double>(i + 2));
    }
    if (ideal_dcg_sum > 0.0) {
      sum += results_dcg / ideal_dcg_sum;
      ++num_changed;
    }
  }
  while (ideal.current() > 0.0) {
    const double ig = ideal.next();
    if (old_ideal_gain != ig) {
      if (ideal_dcg_sum > 0.0) {
        sum += results_dcg / ideal_dcg_sum;
        ++num_changed;
      }
      old_ideal_gain = ig;
    }
    if (ig > 0.0) ideal_dcg_sum += ig / std::log2(static_cast<double>(i + 2));
    ++i;
  }
  out[0] = num_changed ? sum / static_cast<double>(num_changed) : 0.0;
}

// nDCG at k. Unlike ndcg this uses the raw relevance level as the gain (levels <= 0 give
// nothing) and takes no gain parameters; the ideal ranking uses the judged levels >= 1.
void ndcg_cut(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
              std::string*) {
  const auto& cutoffs = p.long_cutoffs;
  std::size_t ci = 0;
  double sum = 0.0;
  for (long i = 0; i < r.num_ret; ++i) {
    if (i == cutoffs[ci]) {
      out[ci] = sum;
      if (++ci == cutoffs.size()) break;
    }
    const double gain = static_cast<double>(r.rels[i]);
    if (gain > 0) sum += gain / std::log2(static_cast<double>(i + 2));
  }
  for (; ci < cutoffs.size(); ++ci) out[ci] = sum;

  ci = 0;
  long cur_lvl = static_cast<long>(r.rel_levels.size()) - 1;
  long lvl_count = 0;
  double ideal = 0.0;
  for (long i = 0;; ++i) {
    ++lvl_count;
    while (cur_lvl > 0 && lvl_count > r.rel_levels[static_cast<std::size_t>(cur_lvl)]) {
      --cur_lvl;
      lvl_count = 1;
    }
    if (cur_lvl <= 0) break;
    if (i == cutoffs[ci]) {
      if (ideal > 0.0) out[ci] /= ideal;
      if (++ci == cutoffs.size()) break;
    }
    ideal += static_cast<double>(cur_lvl) / std::log2(static_cast<double>(i + 2));
  }
  for (; ci < cutoffs.size(); ++ci) {
    if (ideal > 0.0) out[ci] /= ideal;
  }
}

// G: like DCG but a document's discount depends on how far the ranking is behind the ideal
// cumulative gain: gain / log2(2 + ideal_cost_so_far - results_gain_so_far), normalised by the
// total ideal gain.
void G(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
       std::string*) {
  const auto gains = setup_gains(r, p);
  IdealWalk ideal(gains);
  double results_g = 0.0;
  double sum_results = 0.0;
  double sum_ideal = 0.0;
  double sum_cost = 0.0;
  const double min_cost = 1.0;
  long i = 0;
  for (; i < r.num_ret && ideal.current() > 0.0; ++i) {
    const double g = gain_of(r.rels[i], gains);
    sum_results += g;
    const double ig = ideal.next();
    if (ig > 0.0) sum_ideal += ig;
    sum_cost += ig >= min_cost ? ig : min_cost;
    if (g != 0) results_g += g / std::log2(2 + sum_cost - sum_results);
  }
  for (; i < r.num_ret; ++i) {
    const double g = gain_of(r.rels[i], gains);
    sum_results += g;
    sum_cost += min_cost;
    if (g != 0) results_g += g / std::log2(2 + sum_cost - sum_results);
  }
  while (ideal.current() > 0.0) {
    const double ig = ideal.next();
    if (ig > 0.0) sum_ideal += ig;
  }
  if (sum_ideal > 0.0) out[0] = results_g / sum_ideal;
}

// Rank-biased precision (Moffat & Zobel): (1-p) * sum of gain(rank) * p^(rank-1), p = 0.9 unless
// given as "-m rbp.p=0.95". Gains outside [0,1] are rescaled to it by (g - min) / (max - min),
// with min and max taken over the level gains and 0.
void rbp(const JudgedRanking& r, const MeasureContext&, const MeasureParams& p, std::span<double> out,
         std::string*) {
  double persistence = 0.9;
  for (const auto& [name, value] : p.pairs) {
    if (name == "p") persistence = value;
  }
  auto gains = setup_gains(r, p);
  double min = 0.0;
  double max = 0.0;
  for (const auto& g : gains) {
    min = std::min(min, g.gain);
    max = std::max(max, g.gain);
  }
  if (min < 0 || max > 1) {
    for (auto& g : gains) g.gain = (g.gain - min) / (max - min);
  }
  double sum = 0.0;
  double cur_p = 1.0;
  for (long i = 0; i < r.num_ret; ++i) {
    const double g = gain_of(r.rels[i], gains);
    if (g != 0) sum += g * cur_p;
    cur_p = cur_p * persistence;
  }
  out[0] = (1.0 - persistence) * sum;
}

}  // namespace rerank::eval::trec_eval::measures
