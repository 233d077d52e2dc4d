#include "eval/report/html_report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace rerank::eval {

namespace {

constexpr double kWidth = 720, kHeight = 420;
constexpr double kLeft = 70, kRight = 30, kTop = 30, kBottom = 60;
constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  double pixel_lo = 0, pixel_hi = 1;

  double map(double v) const {
    double t = log ? (std::log10(std::max(v, 1e-9)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                   : (v - lo) / (hi - lo);
    return pixel_lo + t * (pixel_hi - pixel_lo);
  }
};

double nice_step(double span, int target) {
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

std::string tick_label(double v) {
  if (v >= 100 || v == std::floor(v)) return fmt::format("{:.0f}", v);
  if (v >= 1) return fmt::format("{:.1f}", v);
  return fmt::format("{:.3g}", v);
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string quality_latency_svg(const EvalReport& report) {
  const std::string measure = primary_measure(report);
  std::vector<double> xs, x99, ys;
  for (const SystemReport& s : report.systems) {
    xs.push_back(std::max(s.end_to_end_latency.p50_ms, 1e-3));
    x99.push_back(std::max(s.end_to_end_latency.p99_ms, xs.back()));
    auto it = s.metrics.find(measure);
    ys.push_back(it == s.metrics.end() ? 0.0 : it->second);
  }
  Axis x, y;
  x.pixel_lo = kLeft;
  x.pixel_hi = kWidth - kRight;
  y.pixel_lo = kHeight - kBottom;
  y.pixel_hi = kTop;
  if (!xs.empty()) {
    const double xmin = *std::min_element(xs.begin(), xs.end());
    const double xmax = *std::max_element(x99.begin(), x99.end());
    x.log = xmax / xmin > 20;
    if (x.log) {
      x.lo = std::pow(10.0, std::floor(std::log10(xmin)));
      x.hi = std::pow(10.0, std::ceil(std::log10(xmax)));
      if (x.hi <= x.lo) x.hi = x.lo * 10;
    } else {
      x.lo = 0;
      x.hi = xmax * 1.15;
    }
    const double ymin = *std::min_element(ys.begin(), ys.end());
    const double ymax = *std::max_element(ys.begin(), ys.end());
    const double pad = std::max(0.02, (ymax - ymin) * 0.15);
    y.lo = std::max(0.0, ymin - pad);
    y.hi = ymax + pad;
    if (ymax <= 1.0) y.hi = std::min(1.0, y.hi);
    if (y.hi <= y.lo) y.hi = y.lo + 0.1;
  }

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "role=\"img\" aria-label=\"{2} against latency\" font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, html_escape(measure));
  svg += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", kWidth, kHeight);
  // Grid, ticks and labels.
  if (x.log) {
    for (double v = x.lo; v <= x.hi * 1.0001; v *= 10) {
      const double px = x.map(v);
      svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#e0e0e0\"/>\n", px, kTop, kHeight - kBottom);
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px, kHeight - kBottom + 18, tick_label(v));
    }
  } else {
    const double step = nice_step(x.hi - x.lo, 6);
    for (double v = x.lo; v <= x.hi + step * 1e-6; v += step) {
      const double px = x.map(v);
      svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#e0e0e0\"/>\n", px, kTop, kHeight - kBottom);
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px, kHeight - kBottom + 18, tick_label(v));
    }
  }
  const double ystep = nice_step(y.hi - y.lo, 5);
  for (double v = std::ceil(y.lo / ystep) * ystep; v <= y.hi + ystep * 1e-6; v += ystep) {
    const double py = y.map(v);
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#e0e0e0\"/>\n", kLeft, py, kWidth - kRight);
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.3f}</text>\n", kLeft - 6, py + 4, v);
  }
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333333\"/>\n", kLeft, kTop,
                     kWidth - kLeft - kRight, kHeight - kTop - kBottom);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">latency per query, ms (p50 dot, whisker to p99; {} scale)</text>\n",
                     (kLeft + kWidth - kRight) / 2, kHeight - 15, x.log ? "log" : "linear");
  svg += fmt::format("<text x=\"16\" y=\"{:.1f}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {:.1f})\">{}</text>\n",
                     (kTop + kHeight - kBottom) / 2, (kTop + kHeight - kBottom) / 2, html_escape(measure));
  // One point per system.
  for (std::size_t i = 0; i < report.systems.size(); ++i) {
    const char* color = kColors[i % (sizeof kColors / sizeof kColors[0])];
    const double px = x.map(xs[i]), p99 = x.map(x99[i]), py = y.map(ys[i]);
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"/>\n", px, py, p99, py, color);
    svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"6\" fill=\"{}\"><title>{}: {} {:.4f}, p50 {:.2f} ms, p99 {:.2f} ms</title></circle>\n",
                       px, py, color, html_escape(report.systems[i].name), html_escape(measure), ys[i], xs[i], x99[i]);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\">{}</text>\n", px + 8, py - 8, color,
                       html_escape(report.systems[i].name));
  }
  svg += "</svg>\n";
  return svg;
}

void write_html_report(std::ostream& out, const EvalReport& report) {
  const std::string measure = primary_measure(report);
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<title>rerank eval: " << html_escape(report.dataset_name) << "</title>\n"
      << "<style>\nbody{font-family:sans-serif;margin:2em;color:#222}\n"
         "table{border-collapse:collapse;margin:1em 0}\n"
         "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}\n"
         "th:first-child,td:first-child{text-align:left}\nth{background:#f3f3f3}\n"
         ".notes{color:#555;font-size:90%}\n</style>\n</head>\n<body>\n";
  out << "<h1>rerank eval: " << html_escape(report.dataset_name) << "</h1>\n";
  out << "<p>" << report.num_queries << " judged queries, BM25 top-" << report.top_k << " candidates (Xapian, k1="
      << fmt::format("{:g}", report.index.settings.k1) << ", b=" << fmt::format("{:g}", report.index.settings.b)
      << ", stemmer " << html_escape(report.index.settings.stemmer) << ", stopwords "
      << html_escape(report.index.settings.stopwords) << ", " << report.index.num_docs << " documents). Metrics: trec_eval.</p>\n";

  out << "<h2>Quality and latency</h2>\n<table>\n<tr><th>system</th>";
  std::vector<std::string> measures;
  for (const std::string& m : report.measure_names) {
    if (m != "num_q") measures.push_back(m);
  }
  for (const std::string& m : measures) out << "<th>" << html_escape(m) << "</th>";
  out << "<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>end-to-end p50 ms</th><th>end-to-end p99 ms</th><th>pairs/s</th></tr>\n";
  for (const SystemReport& s : report.systems) {
    out << "<tr><td>" << html_escape(s.name) << "</td>";
    for (const std::string& m : measures) {
      auto it = s.metrics.find(m);
      out << "<td>" << (it == s.metrics.end() ? std::string("-") : fmt::format("{:.4f}", it->second)) << "</td>";
    }
    out << fmt::format("<td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.0f}</td></tr>\n",
                       s.latency.p50_ms, s.latency.p95_ms, s.latency.p99_ms, s.end_to_end_latency.p50_ms,
                       s.end_to_end_latency.p99_ms, s.pairs_per_s);
  }
  out << "</table>\n";
  out << "<p class=\"notes\">Latency per query in milliseconds: for bm25 the first-stage search, for rerankers the "
         "scoring call alone; end-to-end adds the search. pairs/s: (query, document) pairs scored per second of "
         "scoring (for bm25, candidates returned per second of search).</p>\n";
  out << "<h2>" << html_escape(measure) << " against latency</h2>\n" << quality_latency_svg(report);
  if (!report.dataset_notes.empty()) {
    out << "<h2>Dataset notes</h2>\n<ul class=\"notes\">\n";
    for (const std::string& n : report.dataset_notes) out << "<li>" << html_escape(n) << "</li>\n";
    out << "</ul>\n";
  }
  out << "</body>\n</html>\n";
}

}  // namespace rerank::eval
