#include "faces/anchors.h"

#include <doctest/doctest.h>

#include "core/error.h"

using namespace camlens;

TEST_CASE("SSD anchors: BlazeFace back's 896 anchors, grids in order, layers of one stride merged into one grid") {
  const std::vector<Anchor> anchors = ssd_anchors({256, 256, {16, 32, 32, 32}, 2, 0.5f});
  REQUIRE(anchors.size() == 16 * 16 * 2 + 8 * 8 * 6);
  // The first grid: 16x16 cells of 1/16, two anchors each, row by row.
  CHECK(anchors[0].x == doctest::Approx(0.5 / 16));
  CHECK(anchors[1].x == anchors[0].x);
  CHECK(anchors[2].x == doctest::Approx(1.5 / 16));
  CHECK(anchors[2 * 16].y == doctest::Approx(1.5 / 16));
  CHECK(anchors[511].x == doctest::Approx(15.5 / 16));
  CHECK(anchors[511].y == doctest::Approx(15.5 / 16));
  // The second grid: 8x8 cells, six anchors each (three layers of two).
  CHECK(anchors[512].x == doctest::Approx(0.5 / 8));
  CHECK(anchors[517].x == anchors[512].x);
  CHECK(anchors[518].x == doctest::Approx(1.5 / 8));
  CHECK(anchors[512 + 6 * 8].y == doctest::Approx(1.5 / 8));
  CHECK(anchors.back().x == doctest::Approx(7.5 / 8));
  CHECK_THROWS_WITH_AS(ssd_anchors({256, 256, {16, 0}, 2, 0.5f}), doctest::Contains("stride 0 of layer 1 must be positive"),
                       Error);
}
