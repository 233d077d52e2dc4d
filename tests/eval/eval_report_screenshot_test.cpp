// The HTML report renders in a real browser: headless Chromium takes a screenshot, and the
// PNG must show the page (not blank) including the plot's coloured points. Skips cleanly
// when no Chromium is installed.
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>
#include <zlib.h>

#include "eval/report/html_report.hpp"
#include "support/test_support.hpp"

namespace rerank::eval {
namespace {

using rerank::testing::TempDir;

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    const auto r = rerank::testing::run_command(std::string("command -v ") + name);
    if (r.exit_code == 0 && !r.out.empty()) return r.out.substr(0, r.out.find('\n'));
  }
  return {};
}

struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // 3 bytes per pixel
};

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Decodes the 8-bit RGB/RGBA non-interlaced PNGs Chromium writes. Fails the test otherwise.
Image decode_png(const std::string& png) {
  Image img;
  if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    ADD_FAILURE() << "not a PNG";
    return img;
  }
  std::string idat;
  int color_type = -1;
  for (std::size_t pos = 8; pos + 8 <= png.size();) {
    const std::uint32_t len = be32(png, pos);
    const std::string type = png.substr(pos + 4, 4);
    if (pos + 12 + len > png.size()) break;
    if (type == "IHDR") {
      img.width = be32(png, pos + 8);
      img.height = be32(png, pos + 12);
      const int depth = std::uint8_t(png[pos + 16]);
      color_type = std::uint8_t(png[pos + 17]);
      const int interlace = std::uint8_t(png[pos + 20]);
      if (depth != 8 || (color_type != 2 && color_type != 6) || interlace != 0) {
        ADD_FAILURE() << "unexpected PNG format: depth " << depth << " color type " << color_type;
        return {};
      }
    } else if (type == "IDAT") {
      idat += png.substr(pos + 8, len);
    }
    pos += 12 + len;
  }
  const std::size_t bpp = color_type == 6 ? 4 : 3;
  const std::size_t stride = img.width * bpp;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = static_cast<uLongf>(raw.size());
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), static_cast<uLong>(idat.size())) != Z_OK ||
      raw_len != raw.size()) {
    ADD_FAILURE() << "PNG image data does not inflate to the expected size";
    return {};
  }
  std::vector<std::uint8_t> prev(stride, 0), cur(stride);
  img.rgb.reserve(std::size_t(img.width) * img.height * 3);
  for (std::uint32_t y = 0; y < img.height; ++y) {
    const std::uint8_t* line = raw.data() + y * (stride + 1);
    const int filter = line[0];
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? cur[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      int v = line[1 + x];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) / 2; break;
        case 4: v += paeth(a, b, c); break;
        default: ADD_FAILURE() << "bad PNG filter " << filter; return {};
      }
      cur[x] = static_cast<std::uint8_t>(v);
    }
    for (std::uint32_t x = 0; x < img.width; ++x) {
      for (int k = 0; k < 3; ++k) img.rgb.push_back(cur[x * bpp + k]);
    }
    std::swap(prev, cur);
  }
  return img;
}

std::size_t count_near(const Image& img, int r, int g, int b, int tolerance) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < img.rgb.size(); i += 3) {
    if (std::abs(img.rgb[i] - r) <= tolerance && std::abs(img.rgb[i + 1] - g) <= tolerance && std::abs(img.rgb[i + 2] - b) <= tolerance) ++n;
  }
  return n;
}

EvalReport sample_report() {
  EvalReport report;
  report.dataset_name = "screenshot-test";
  report.dataset_format = "beir";
  report.num_queries = 300;
  report.top_k = 100;
  report.measure_names = {"map", "ndcg_cut_10", "recall_100"};
  const struct {
    const char* name;
    double ndcg, p50, p99;
  } rows[] = {{"bm25", 0.68, 0.4, 1.5}, {"shape:minilm-l6", 0.71, 35, 60}, {"cross-encoder-large", 0.74, 210, 380}};
  for (const auto& row : rows) {
    SystemReport s;
    s.name = row.name;
    s.metrics = {{"map", row.ndcg - 0.05}, {"ndcg_cut_10", row.ndcg}, {"recall_100", 0.92}};
    s.latency.p50_ms = s.end_to_end_latency.p50_ms = row.p50;
    s.latency.p99_ms = s.end_to_end_latency.p99_ms = row.p99;
    s.pairs_per_s = 100000 / row.p50;
    report.systems.push_back(s);
  }
  return report;
}

TEST(ReportScreenshot, HeadlessChromiumRendersTheReport) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) RERANK_MISSING("chromium (scripts/install-deps installs it)");
  TempDir dir;
  {
    std::ofstream html(dir / "report.html");
    write_html_report(html, sample_report());
  }
  const std::filesystem::path png = dir / "shot.png";
  // The window is much taller than the page so that the plot is in the shot whatever fonts the
  // machine has (with wider fonts the table wraps more and a 900-pixel shot cut off bm25's point).
  const std::string command = "timeout 120 '" + chromium + "' --headless --no-sandbox --disable-gpu --disable-background-networking "
                              "--disable-component-update --disable-sync --no-first-run --hide-scrollbars "
                              "--user-data-dir='" + (dir / "profile").string() + "' --window-size=1000,1600 --screenshot='" +
                              png.string() + "' 'file://" + (dir / "report.html").string() + "'";
  const auto r = rerank::testing::run_command(command);
  ASSERT_TRUE(std::filesystem::exists(png)) << "exit " << r.exit_code << "\n" << r.err;
  const Image img = decode_png(rerank::testing::read_file(png));
  ASSERT_EQ(img.width, 1000u);
  ASSERT_EQ(img.height, 1600u);
  const std::size_t pixels = std::size_t(img.width) * img.height;
  const std::size_t white = count_near(img, 255, 255, 255, 3);
  EXPECT_LT(white, pixels * 98 / 100) << "the page looks blank";
  EXPECT_GT(white, pixels / 3) << "the page background is not white";
  // The plot's first three point colours (#1f77b4, #d62728, #2ca02c), drawn as r=6 circles.
  EXPECT_GT(count_near(img, 0x1f, 0x77, 0xb4, 12), 40u) << "bm25's plot point is missing";
  EXPECT_GT(count_near(img, 0xd6, 0x27, 0x28, 12), 40u) << "the second system's plot point is missing";
  EXPECT_GT(count_near(img, 0x2c, 0xa0, 0x2c, 12), 40u) << "the third system's plot point is missing";
}

}  // namespace
}  // namespace rerank::eval
