#include "eval/trec_eval/text_report.hpp"

#include <cstdio>

namespace rerank::eval::trec_eval {

namespace {

// printf, not fmt: trec_eval's numbers come from C printf, whose rounding of "%6.4f" we must
// reproduce digit for digit (e.g. 0.03125 -> "0.0312").
void append_line(std::string& out, const std::string& name, const std::string& qid, double value,
                 bool integer) {
  char buf[512];
  int n = integer ? std::snprintf(buf, sizeof buf, "%-22s\t%s\t%ld\n", name.c_str(), qid.c_str(),
                                  static_cast<long>(value))
                  : std::snprintf(buf, sizeof buf, "%-22s\t%s\t%6.4f\n", name.c_str(), qid.c_str(), value);
  if (n >= static_cast<int>(sizeof buf)) {
    std::string big(static_cast<std::size_t>(n) + 1, '\0');
    n = integer
            ? std::snprintf(big.data(), big.size(), "%-22s\t%s\t%ld\n", name.c_str(), qid.c_str(),
                            static_cast<long>(value))
            : std::snprintf(big.data(), big.size(), "%-22s\t%s\t%6.4f\n", name.c_str(), qid.c_str(), value);
    big.resize(static_cast<std::size_t>(n));
    out += big;
    return;
  }
  if (n > 0) out.append(buf, static_cast<std::size_t>(n));
}

std::string padded(const std::string& name) {
  std::string s = name;
  if (s.size() < 22) s.append(22 - s.size(), ' ');
  return s;
}

}  // namespace

std::string format_trec_eval_report(const EvalConfig& config, const Evaluation& evaluation,
                                    const ReportOptions& options) {
  std::string out;
  if (options.per_query) {
    for (const auto& q : evaluation.queries) {
      std::size_t offset = 0;
      for (const auto& m : config.measures) {
        const std::size_t count = m.value_names.size();
        if (m.def->per_query) {
          if (m.def->summary == Summary::None) {
            out += padded(m.value_names[0]) + "\t" + q.qid + "\t'" + q.relstring + "'\n";
          } else {
            for (std::size_t k = 0; k < count; ++k) {
              append_line(out, m.value_names[k], q.qid, q.values[offset + k], m.def->integer);
            }
          }
        }
        offset += count;
      }
    }
  }
  if (options.summary) {
    std::size_t offset = 0;
    for (const auto& m : config.measures) {
      const std::size_t count = m.value_names.size();
      if (m.def->summary == Summary::RunId) {
        out += padded("runid") + "\tall\t" + evaluation.run_id + "\n";
      } else if (m.def->summary != Summary::None) {
        for (std::size_t k = 0; k < count; ++k) {
          append_line(out, m.value_names[k], "all", evaluation.summary[offset + k], m.def->integer);
        }
      }
      offset += count;
    }
  }
  return out;
}

}  // namespace rerank::eval::trec_eval
