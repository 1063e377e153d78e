#include "evaluate/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace camlens::evaluate {

namespace {

constexpr int kLeft = 52, kRight = 150, kTop = 48, kBottom = 42;
constexpr float kTitleText = 14.0f, kLabelText = 11.5f;
constexpr TextColor kInk{30, 30, 30}, kGrid{225, 225, 225}, kAxis{120, 120, 120};

struct Area {
  int left, top, right, bottom;  // inclusive
};

void dot(Image& image, int x, int y, TextColor color, const Area& area) {
  for (int dy = 0; dy < 2; ++dy) {
    for (int dx = 0; dx < 2; ++dx) {
      const int px = x + dx, py = y + dy;
      if (px < area.left || py < area.top || px > area.right || py > area.bottom) continue;
      std::uint8_t* p = image.pixel(px, py);
      p[0] = color.r;
      p[1] = color.g;
      p[2] = color.b;
    }
  }
}

// A 2-pixel line from (x0, y0) to (x1, y1) clipped to `area`; dashed lines skip every other run of 5 steps.
void line(Image& image, double x0, double y0, double x1, double y1, TextColor color, bool dashed, int& dash, const Area& area) {
  const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)))));
  for (int i = 0; i <= steps; ++i, ++dash) {
    if (dashed && (dash / 5) % 2 == 1) continue;
    const double t = static_cast<double>(i) / steps;
    dot(image, static_cast<int>(std::lround(x0 + t * (x1 - x0))), static_cast<int>(std::lround(y0 + t * (y1 - y0))), color, area);
  }
}

void rule(Image& image, int x0, int y0, int x1, int y1, TextColor color) {
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      std::uint8_t* p = image.pixel(x, y);
      p[0] = color.r;
      p[1] = color.g;
      p[2] = color.b;
    }
  }
}

std::string tick_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", std::abs(value) < 1e-12 ? 0.0 : value);
  return text;
}

}  // namespace

TextColor series_color(int i) {
  static constexpr TextColor kColors[] = {{31, 119, 180}, {214, 39, 40},  {44, 160, 44},   {148, 103, 189}, {255, 127, 14},
                                          {140, 86, 75},  {227, 119, 194}, {23, 190, 207}, {188, 189, 34},  {127, 127, 127}};
  return kColors[i % 10];
}

Image plot_curves(std::span<const PlotSeries> series, const PlotAxes& axes, const Font& font, int width, int height) {
  if (width < kLeft + kRight + 40 || height < kTop + kBottom + 40) fail("evaluate: a plot of ", width, " x ", height, " is too small");
  if (!(axes.x_max > axes.x_min) || !(axes.y_max > axes.y_min)) fail("evaluate: a plot's axes need max > min");
  Image image(width, height, 3);
  std::memset(image.data(), 255, image.size());
  const int plot_w = width - kLeft - kRight, plot_h = height - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - axes.x_min) / (axes.x_max - axes.x_min) * plot_w; };
  auto py = [&](double y) { return kTop + plot_h - (y - axes.y_min) / (axes.y_max - axes.y_min) * plot_h; };

  for (int i = 0; i <= 4; ++i) {
    const double y = axes.y_min + (axes.y_max - axes.y_min) * i / 4, x = axes.x_min + (axes.x_max - axes.x_min) * i / 4;
    const int row = static_cast<int>(std::lround(py(y))), col = static_cast<int>(std::lround(px(x)));
    rule(image, kLeft, row, kLeft + plot_w, row, kGrid);
    rule(image, col, kTop, col, kTop + plot_h, kGrid);
    const std::string y_text = tick_text(y), x_text = tick_text(x);
    font.draw(image, kLeft - 6 - font.text_width(y_text, kLabelText), row - 7, y_text, kLabelText, kInk);
    font.draw(image, col - font.text_width(x_text, kLabelText) / 2, kTop + plot_h + 4, x_text, kLabelText, kInk);
  }
  rule(image, kLeft, kTop, kLeft, kTop + plot_h, kAxis);
  rule(image, kLeft, kTop + plot_h, kLeft + plot_w, kTop + plot_h, kAxis);
  font.draw(image, kLeft, 6, font.fit(axes.title, kTitleText, width - kLeft - 8), kTitleText, kInk);
  font.draw(image, kLeft + (plot_w - font.text_width(axes.x_label, kLabelText)) / 2, height - 20, axes.x_label, kLabelText, kInk);
  font.draw(image, 4, kTop - 20, axes.y_label, kLabelText, kInk);

  for (size_t s = 0; s < series.size(); ++s) {
    const PlotSeries& curve = series[s];
    if (curve.x.size() != curve.y.size()) fail("evaluate: the series '", curve.name, "' has ", curve.x.size(), " x and ", curve.y.size(), " y values");
    int dash = 0;
    const Area plot_area{kLeft, kTop - 1, kLeft + plot_w + 1, kTop + plot_h};
    for (size_t i = 1; i < curve.x.size(); ++i) {
      line(image, px(curve.x[i - 1]), py(curve.y[i - 1]), px(curve.x[i]), py(curve.y[i]), curve.color, curve.dashed, dash, plot_area);
    }
    const int legend_y = kTop + 4 + static_cast<int>(s) * 18, legend_x = kLeft + plot_w + 12;
    int legend_dash = 0;
    line(image, legend_x, legend_y + 7, legend_x + 22, legend_y + 7, curve.color, curve.dashed, legend_dash,
         {0, 0, width - 1, height - 1});
    font.draw(image, legend_x + 28, legend_y, font.fit(curve.name, kLabelText, kRight - 44), kLabelText, kInk);
  }
  return image;
}

}  // namespace camlens::evaluate
