// The self-contained HTML report of an evaluation: settings, the metrics/latency table and
// an inline SVG plot of quality against latency, one point per system. No scripts and no
// external resources, so it renders anywhere (and in a headless browser test).
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "eval/report/eval_report.hpp"

namespace rerank::eval {

void write_html_report(std::ostream& out, const EvalReport& report);

// The SVG element alone: x = end-to-end p50 latency per query (ms; log scale when the
// systems span more than 20x), a whisker to p99, y = the primary measure.
std::string quality_latency_svg(const EvalReport& report);

// &, <, >, " and ' escaped for HTML text and attribute values.
std::string html_escape(std::string_view text);

}  // namespace rerank::eval
