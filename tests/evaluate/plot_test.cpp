// Plots of metric curves: each series drawn in its colour where its values fall, clipped to the axes.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "evaluate/plot.h"
#include "support/requirements.h"

using namespace camlens;
using namespace camlens::evaluate;

namespace {

constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

bool has_colour_in_column(const Image& image, int x, int y_from, int y_to, TextColor c) {
  for (int y = y_from; y <= y_to; ++y) {
    const std::uint8_t* p = image.pixel(x, y);
    if (p[0] == c.r && p[1] == c.g && p[2] == c.b) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("plot: a falling and a rising line, each in its colour on its side of the plot" *
          test::requires_file(kFontPath, "apt-get install fonts-dejavu-core")) {
  std::ifstream file(kFontPath, std::ios::binary);
  const Font font(std::vector<std::uint8_t>(std::istreambuf_iterator<char>(file), {}));
  const TextColor red{200, 0, 0}, blue{0, 0, 200};
  const std::vector<PlotSeries> series{{"falling", {0.0, 1.0}, {1.0, 0.0}, red}, {"rising", {0.0, 1.0}, {0.0, 2.0}, blue}};
  const Image plot = plot_curves(series, {.title = "deletion"}, font, 560, 340);
  CHECK(plot.width() == 560);
  CHECK(plot.channels() == 3);
  // The plot area spans x 52..410 and y 48..298: near the left the red line is high and the blue one
  // low; the blue one leaves the plot at the top in the middle and is not drawn beyond.
  CHECK(has_colour_in_column(plot, 60, 48, 70, red));
  CHECK(has_colour_in_column(plot, 60, 276, 298, blue));
  CHECK_FALSE(has_colour_in_column(plot, 60, 48, 70, blue));
  CHECK(has_colour_in_column(plot, 231, 46, 52, blue));
  CHECK_FALSE(has_colour_in_column(plot, 380, 0, 339, blue));
  CHECK(has_colour_in_column(plot, 380, 270, 298, red));
}

TEST_CASE("plot: series of mismatched lengths are refused" *
          test::requires_file(kFontPath, "apt-get install fonts-dejavu-core")) {
  std::ifstream file(kFontPath, std::ios::binary);
  const Font font(std::vector<std::uint8_t>(std::istreambuf_iterator<char>(file), {}));
  const std::vector<PlotSeries> series{{"bad", {0.0, 1.0}, {1.0}, {0, 0, 0}}};
  CHECK_THROWS_WITH(plot_curves(series, {}, font), doctest::Contains("has 2 x and 1 y values"));
}
