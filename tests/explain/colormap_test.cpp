#include "explain/colormap.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <iterator>
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

TEST_CASE("overlay rounds every blend as std::lround does, halves up, for every heat and photo byte pair") {
  Map levels(256, 256);  // column x: gray entry x; row y: photo byte y
  std::vector<uint8_t> image(256 * 256 * 3);
  for (int y = 0; y < 256; ++y) {
    for (int x = 0; x < 256; ++x) {
      levels.values[y * 256 + x] = (static_cast<float>(x) + 0.5f) / 255.0f;
      for (int c = 0; c < 3; ++c) image[(y * 256 + x) * 3 + c] = static_cast<uint8_t>(y);
    }
  }
  for (float alpha : {0.0f, 0.1f, 0.25f, 0.37f, 0.4f, 0.5f, 0.7f, 0.75f, 1.0f}) {
    CAPTURE(alpha);
    const std::vector<uint8_t> blended = overlay(image, levels, Colormap::gray, alpha);
    int wrong = 0;
    for (size_t i = 0; i < image.size(); ++i) {
      // Each product rounded to float before the sum: volatile keeps GCC from fusing them into an
      // FMA (it contracts C++ by default), which would round once, as the engine's WebAssembly cannot.
      const volatile float heat_part = static_cast<float>((i / 3) % 256) * alpha;
      const volatile float photo_part = static_cast<float>(image[i]) * (1.0f - alpha);
      wrong += blended[i] != std::lround(heat_part + photo_part);
    }
    CHECK(wrong == 0);
  }
}

TEST_CASE("apply_colormap and colour_rgba on rows longer than a vector: each pixel is colormap_color's") {
  // Rows of 37: the WebAssembly build indexes 16 values at a time, then one by one.
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  Map map(3, 37);
  for (size_t i = 0; i < map.values.size(); ++i) map.values[i] = static_cast<float>(i * 37 % 101) / 100.0f;
  const float edges[] = {nan, -0.0f, -1.0f, 1.5f, inf, -inf, 1.0f, 0.0f, 1.0f / 255.0f, 254.0f / 255.0f,
                         std::nextafter(1.0f / 255.0f, 0.0f), 0.5f, 1e-30f, -1e-30f, nan, 0.9999999f};
  for (size_t i = 0; i < std::size(edges); ++i) map.values[3 + 7 * i] = edges[i];
  std::vector<uint8_t> photo(map.values.size() * 3, 90), heat(map.values.size() * 4), blended(heat.size());
  for (Colormap colormap : {Colormap::jet, Colormap::inferno}) {
    const std::vector<uint8_t> colours = apply_colormap(map, colormap);
    colour_rgba(map, photo.data(), 37 * 3, colormap, 0.4f, heat.data(), blended.data());
    for (size_t p = 0; p < map.values.size(); ++p) {
      CAPTURE(p);
      CAPTURE(map.values[p]);
      const Rgb8 expected = colormap_color(colormap, map.values[p]);
      CHECK(Rgb8{colours[p * 3], colours[p * 3 + 1], colours[p * 3 + 2]} == expected);
      CHECK(Rgb8{heat[p * 4], heat[p * 4 + 1], heat[p * 4 + 2]} == expected);
    }
  }
}

TEST_CASE("colour_rgba: apply_colormap's colours and overlay's blend as RGBA, from a strided photo") {
  Map map(3, 4);
  const float values[] = {0.0f, 0.2f, 0.45f, 1.0f, -1.0f, 2.0f, std::numeric_limits<float>::quiet_NaN(), 0.999f,
                          0.5f, 0.75f, 0.01f, 0.3f};
  map.values.assign(std::begin(values), std::end(values));
  const size_t stride = 5 * 3;  // the photo is 5 pixels wide; the map covers its first 4 columns
  std::vector<uint8_t> photo(3 * stride), packed;
  for (size_t i = 0; i < photo.size(); ++i) photo[i] = static_cast<uint8_t>(i * 53 % 256);
  for (int y = 0; y < 3; ++y) packed.insert(packed.end(), photo.begin() + y * stride, photo.begin() + y * stride + 12);
  for (Colormap colormap : {Colormap::jet, Colormap::viridis, Colormap::inferno, Colormap::gray}) {
    CAPTURE(static_cast<int>(colormap));
    std::vector<uint8_t> heat(12 * 4), blended(12 * 4);
    colour_rgba(map, photo.data(), stride, colormap, 0.37f, heat.data(), blended.data());
    const std::vector<uint8_t> colours = apply_colormap(map, colormap);
    const std::vector<uint8_t> expected_blend = overlay(packed, map, colormap, 0.37f);
    for (size_t p = 0; p < 12; ++p) {
      CAPTURE(p);
      for (size_t c = 0; c < 3; ++c) {
        CHECK(heat[p * 4 + c] == colours[p * 3 + c]);
        CHECK(blended[p * 4 + c] == expected_blend[p * 3 + c]);
      }
      CHECK(heat[p * 4 + 3] == 255);
      CHECK(blended[p * 4 + 3] == 255);
    }
  }
  std::vector<uint8_t> out(12 * 4);
  CHECK_THROWS_WITH_AS(colour_rgba(map, photo.data(), stride, Colormap::jet, -0.1f, out.data(), out.data()),
                       doctest::Contains("alpha must lie in [0, 1], got -0.1"), Error);
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
