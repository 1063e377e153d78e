#pragma once
// Line plots of metric curves (deletion, insertion, ROAD), drawn into an RGB image with the
// caller's font (image/text.h), for the CLI's PNGs.
#include <span>
#include <string>
#include <vector>

#include "image/image.h"
#include "image/text.h"

namespace camlens::evaluate {

struct PlotSeries {
  std::string name;  // in the legend
  std::vector<double> x, y;
  TextColor color;
  bool dashed = false;  // baselines are dashed
};

struct PlotAxes {
  std::string title, x_label, y_label;
  double x_min = 0.0, x_max = 1.0, y_min = 0.0, y_max = 1.0;
};

// Series outside the axes' ranges are clipped; a series needs x and y of one length.
Image plot_curves(std::span<const PlotSeries> series, const PlotAxes& axes, const Font& font, int width = 560,
                  int height = 340);

// A colour for the i-th series, distinct for the first ten.
TextColor series_color(int i);

}  // namespace camlens::evaluate
