#include "explain/colormap.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"

using namespace camlens;
using namespace camlens::explain;

TEST_CASE("jet: the CAM literature's endpoints and ramps, worked by hand") {
  const auto& jet = colormap_table(Colormap::jet);
  CHECK(jet[0] == Rgb8{0, 0, 128});    // dark blue: blue = 255 * 0.5, rounded up
  CHECK(jet[255] == Rgb8{128, 0, 0});  // dark red
  // Integer form: channel k of entry i is (765 - 2 |4i - 255k| + 1) / 2, clamped to 0..255.
  // i = 32: blue 765 - 2 * 382 = 1 -> 255 (clamped), green 765 - 2 * 382 = 1 -> 1 (0.5 rounded up).
  CHECK(jet[32] == Rgb8{0, 1, 255});
  // i = 96: red starts, 255 * (1.5 - |384/255 - 3|) = 1.5 -> 2; green 255;
  // blue = 255 * (1.5 - |384/255 - 1|) = 382.5 - 129 = 253.5 -> 254.
  CHECK(jet[96] == Rgb8{2, 255, 254});
  // The middle is green: x = 128/255 gives red 129.5 -> 130, green 255, blue 125.5 -> 126.
  CHECK(jet[128] == Rgb8{130, 255, 126});
  // i = 224: red 765 - 2 * 131 = 503 -> 252, green 765 - 2 * 386 < 0 -> 0.
  CHECK(jet[224] == Rgb8{252, 0, 0});
  // i = 192: red saturates (765 - 6 -> 255), green 765 - 2 * 258 = 249 -> 125.
  CHECK(jet[192] == Rgb8{255, 125, 0});
}

TEST_CASE("viridis, inferno and gray: matplotlib's endpoints and middle (round(255 * c))") {
  const auto& viridis = colormap_table(Colormap::viridis);
  CHECK(viridis[0] == Rgb8{68, 1, 84});       // (0.267004, 0.004874, 0.329415)
  CHECK(viridis[128] == Rgb8{33, 145, 140});  // (0.127568, 0.566949, 0.550556)
  CHECK(viridis[255] == Rgb8{253, 231, 37});  // (0.993248, 0.906157, 0.143936)
  const auto& inferno = colormap_table(Colormap::inferno);
  CHECK(inferno[0] == Rgb8{0, 0, 4});           // (0.001462, 0.000466, 0.013866)
  CHECK(inferno[128] == Rgb8{188, 55, 84});     // (0.735683, 0.215906, 0.330245)
  CHECK(inferno[255] == Rgb8{252, 255, 164});   // (0.988362, 0.998364, 0.644924)
  CHECK(colormap_table(Colormap::gray)[0] == Rgb8{0, 0, 0});
  CHECK(colormap_table(Colormap::gray)[77] == Rgb8{77, 77, 77});
  CHECK(colormap_table(Colormap::gray)[255] == Rgb8{255, 255, 255});
}

TEST_CASE("colormap_color: index floor(255 * v), clamped, NaN as 0") {
  CHECK(colormap_color(Colormap::gray, 0.0f) == Rgb8{0, 0, 0});
  CHECK(colormap_color(Colormap::gray, 1.0f) == Rgb8{255, 255, 255});
  CHECK(colormap_color(Colormap::gray, 0.5f) == Rgb8{127, 127, 127});  // 127.5 truncated
  CHECK(colormap_color(Colormap::gray, 0.999f) == Rgb8{254, 254, 254});
  CHECK(colormap_color(Colormap::gray, -3.0f) == Rgb8{0, 0, 0});
  CHECK(colormap_color(Colormap::gray, 7.0f) == Rgb8{255, 255, 255});
  CHECK(colormap_color(Colormap::jet, std::numeric_limits<float>::quiet_NaN()) == Rgb8{0, 0, 128});
  Map m(1, 2);
  m.values = {0.0f, 1.0f};
  CHECK(apply_colormap(m, Colormap::jet) == std::vector<uint8_t>{0, 0, 128, 128, 0, 0});
}

TEST_CASE("overlay: heat * alpha + image * (1 - alpha), rounded, 0.4 by default") {
  Map m(1, 2);
  m.values = {0.0f, 1.0f};  // jet: (0, 0, 128), (128, 0, 0)
  const std::vector<uint8_t> image = {100, 200, 50, 10, 20, 255};
  // 0.4 heat: (0.6 * 100, 0.6 * 200, 0.4 * 128 + 0.6 * 50 = 81.2), (0.4 * 128 + 6 = 57.2, 12, 153).
  CHECK(overlay(image, m) == std::vector<uint8_t>{60, 120, 81, 57, 12, 153});
  CHECK(overlay(image, m, Colormap::jet, 0.0f) == image);
  CHECK(overlay(image, m, Colormap::jet, 1.0f) == apply_colormap(m, Colormap::jet));
  // 0.5 of gray 255 over 0: 127.5 rounds up.
  Map white(1, 1);
  white.values = {1.0f};
  CHECK(overlay(std::vector<uint8_t>{0, 0, 0}, white, Colormap::gray, 0.5f) == std::vector<uint8_t>{128, 128, 128});
}

TEST_CASE("overlay rounds every blend as std::lround does, halves up, over all gray levels and many alphas") {
  Map levels(1, 256);
  for (int i = 0; i < 256; ++i) levels.values[i] = (static_cast<float>(i) + 0.5f) / 255.0f;  // gray entry i
  std::vector<uint8_t> image(256 * 3);
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<uint8_t>((i * 37) % 256);
  for (float alpha : {0.0f, 0.1f, 0.25f, 0.4f, 0.5f, 0.7f, 0.75f, 1.0f}) {
    CAPTURE(alpha);
    const std::vector<uint8_t> blended = overlay(image, levels, Colormap::gray, alpha);
    for (size_t i = 0; i < image.size(); ++i) {
      const float heat = static_cast<float>(i / 3);
      const float expected = heat * alpha + static_cast<float>(image[i]) * (1.0f - alpha);
      REQUIRE(blended[i] == std::lround(expected));
    }
  }
}

TEST_CASE("overlay and colormap names: errors") {
  Map m(2, 2);
  CHECK_THROWS_WITH_AS(overlay(std::vector<uint8_t>(9), m),
                       doctest::Contains("RGB8 image of the map's size 2 x 2 (12 bytes), got 9 bytes"), Error);
  CHECK_THROWS_WITH_AS(overlay(std::vector<uint8_t>(12), m, Colormap::jet, 1.5f),
                       doctest::Contains("alpha must lie in [0, 1], got 1.5"), Error);
  CHECK(colormap_named("inferno") == Colormap::inferno);
  CHECK(colormap_name(Colormap::viridis) == "viridis");
  for (Colormap c : {Colormap::jet, Colormap::viridis, Colormap::inferno, Colormap::gray}) {
    CHECK(colormap_named(colormap_name(c)) == c);
  }
  CHECK_THROWS_WITH_AS(colormap_named("hot"), doctest::Contains("no colormap named 'hot'; colormaps: jet, viridis"),
                       Error);
}
