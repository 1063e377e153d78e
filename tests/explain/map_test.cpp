#include "explain/map.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"

using namespace camlens;
using namespace camlens::explain;

namespace {

Map map_of(int height, int width, std::vector<float> values) {
  Map m(height, width);
  m.values = std::move(values);
  return m;
}

void check_values(const Map& map, const std::vector<float>& expected) {
  REQUIRE(map.values.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    // Hand-worked values; float32 arithmetic and the 1e-7 of min-max stay below 1e-6.
    CHECK_MESSAGE(map.values[i] == doctest::Approx(expected[i]).epsilon(1e-6), "at " << i);
  }
}

}  // namespace

TEST_CASE("min-max: x -= min; x /= 1e-7 + max") {
  Map m = map_of(1, 4, {2.0f, 4.0f, 6.0f, 10.0f});
  min_max_normalize(m);
  // (x - 2) / (1e-7 + 8), worked in double: 8 / (8 + 1e-7) = 0.9999999875.
  check_values(m, {0.0f, 0.25f, 0.5f, 0.9999999875f});
  Map flat = map_of(1, 3, {3.0f, 3.0f, 3.0f});
  min_max_normalize(flat);
  check_values(flat, {0.0f, 0.0f, 0.0f});  // a constant map carries no location: all zeros, no NaN
}

TEST_CASE("min-max and ReLU on maps longer than a vector: as the plain loops") {
  // 53 values: the WebAssembly build takes them 16 (min/max) or 4 (ReLU) at a time, then one by one.
  std::vector<float> values(53);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(static_cast<int>(i * 29 % 53) - 20) / 7.0f;
  values[50] = -9.5f;  // the least, in the scalar tail
  values[17] = 8.25f;  // the largest, in a vector lane
  Map m = map_of(1, 53, values);
  min_max_normalize(m);
  for (size_t i = 0; i < values.size(); ++i) {
    CAPTURE(i);
    CHECK(m.values[i] == (values[i] - -9.5f) / (1e-7f + (8.25f - -9.5f)));
  }
  Map r = map_of(53, 1, values);
  relu_inplace(r);
  for (size_t i = 0; i < values.size(); ++i) CHECK(r.values[i] == (values[i] < 0.0f ? 0.0f : values[i]));
}

TEST_CASE("normalized: ReLU before min-max, so negative evidence becomes 0") {
  check_values(normalized(map_of(2, 2, {-1.0f, 1.0f, 3.0f, 5.0f})), {0.0f, 0.2f, 0.6f, 1.0f});
  // All negative: ReLU leaves zeros and min-max keeps them.
  check_values(normalized(map_of(1, 2, {-3.0f, -1.0f})), {0.0f, 0.0f});
}

TEST_CASE("resize_bilinear with half-pixel centres: 2x2 -> 4x4 by hand") {
  // src = (x + 0.5) * 0.5 - 0.5: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
  Map m = resize_bilinear(map_of(2, 2, {0.0f, 0.2f, 0.6f, 1.0f}), {4, 4});
  CHECK(m.height == 4);
  CHECK(m.width == 4);
  check_values(m, {0.0f, 0.05f, 0.15f, 0.2f,         // top row: 0 .. 0.2
                   0.15f, 0.2125f, 0.3375f, 0.4f,     // 0.75 top + 0.25 bottom
                   0.45f, 0.5375f, 0.7125f, 0.8f,     // 0.25 top + 0.75 bottom
                   0.6f, 0.7f, 0.9f, 1.0f});          // bottom row: 0.6 .. 1
}

TEST_CASE("resize_bilinear: downsampling, non-square, one pixel, align_corners") {
  // 1x4 -> 1x2: src = (x + 0.5) * 2 - 0.5 = 0.5, 2.5: the means of pixel pairs.
  check_values(resize_bilinear(map_of(1, 4, {0.0f, 2.0f, 4.0f, 8.0f}), {1, 2}), {1.0f, 6.0f});
  // 1x1 -> 2x3: every output reads the one pixel.
  check_values(resize_bilinear(map_of(1, 1, {7.0f}), {2, 3}), {7, 7, 7, 7, 7, 7});
  // align_corners 1x2 -> 1x3: src = 0, 0.5, 1.
  check_values(resize_bilinear(map_of(1, 2, {1.0f, 3.0f}), {1, 3}, PixelCentres::align_corners), {1.0f, 2.0f, 3.0f});
  // half-pixel 1x2 -> 1x3: src = -1/6 (clamped), 0.5, 7/6 (clamped).
  check_values(resize_bilinear(map_of(1, 2, {1.0f, 3.0f}), {1, 3}), {1.0f, 2.0f, 3.0f});
  // half-pixel 1x2 -> 1x5: src = (x + 0.5) * 0.4 - 0.5 = -0.3, 0.1, 0.5, 0.9, 1.3.
  check_values(resize_bilinear(map_of(1, 2, {1.0f, 3.0f}), {1, 5}), {1.0f, 1.2f, 2.0f, 2.8f, 3.0f});
}

TEST_CASE("postprocess: ReLU, min-max, upsample, min-max") {
  // ReLU + min-max give [0, .2, .6, 1]; the 4x4 upsample keeps 0 and 1, so the last min-max only
  // divides by 1 + 1e-7.
  Map m = postprocess(map_of(2, 2, {-1.0f, 1.0f, 3.0f, 5.0f}), {4, 4});
  check_values(m, {0.0f, 0.05f, 0.15f, 0.2f, 0.15f, 0.2125f, 0.3375f, 0.4f, 0.45f, 0.5375f, 0.7125f, 0.8f, 0.6f,
                   0.7f, 0.9f, 1.0f});
  // Downsampling can lose the extremes: the second min-max brings them back to 0 and ~1.
  Map down = postprocess(map_of(1, 4, {0.0f, 2.0f, 4.0f, 8.0f}), {1, 2});
  check_values(down, {0.0f, 1.0f});
}

TEST_CASE("resize_bilinear: bad sizes are errors") {
  CHECK_THROWS_WITH_AS(resize_bilinear(map_of(1, 1, {1.0f}), {0, 3}), doctest::Contains("positive size, got 0 x 3"),
                       Error);
  CHECK_THROWS_WITH_AS(resize_bilinear(Map(), {2, 2}), doctest::Contains("cannot resize an empty map"), Error);
}
