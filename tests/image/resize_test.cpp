#include "image/resize.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

using namespace camlens;

namespace {

// Values up to 100 in float: 1e-4 is a few units in the last place.
void check_values(const Tensor& out, const std::vector<double>& expected, double tolerance = 1e-4) {
  REQUIRE(out.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(std::fabs(out[i] - expected[i]) <= tolerance);
  }
}

}  // namespace

TEST_CASE("bilinear taps follow TF's half-pixel formula, clamped at the edges") {
  // 2 -> 4: scale 0.5, src = (i + 0.5) * 0.5 - 0.5 = -0.25, 0.25, 0.75, 1.25.
  // -0.25: floor -1 -> lower 0, ceil 0 -> upper 0, frac 0.75 (irrelevant: both neighbours are sample 0)
  //  1.25: lower 1, upper min(2, 1) = 1, frac 0.25 (likewise sample 1 twice)
  const std::vector<BilinearTap> taps = bilinear_taps(2, 4);
  REQUIRE(taps.size() == 4);
  const int lower[] = {0, 0, 0, 1}, upper[] = {0, 1, 1, 1};
  const float frac[] = {0.75f, 0.25f, 0.75f, 0.25f};
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(taps[i].lower == lower[i]);
    CHECK(taps[i].upper == upper[i]);
    CHECK(taps[i].frac == frac[i]);
  }
  CHECK_THROWS_WITH_AS(bilinear_taps(0, 4), doctest::Contains("sizes must be positive, got 0 -> 4"), Error);
}

TEST_CASE("resize 2x2 -> 4x4 by hand") {
  // Input  [ 0 10 ]   Each axis weighs the second sample by 0, 0.25, 0.75, 1 (taps above), so
  //        [20 70]    out = 0 (1-fx)(1-fy) + 10 fx (1-fy) + 20 (1-fx) fy + 70 fx fy
  //                       = 10 fx + 20 fy + 40 fx fy.
  Tensor in(Shape::nhwc(1, 2, 2, 1), std::vector<float>{0, 10, 20, 70});
  Tensor out;
  resize_bilinear(out, in, 4, 4);
  CHECK(out.shape() == Shape::nhwc(1, 4, 4, 1));
  check_values(out, {
                        0, 2.5, 7.5, 10,     // fy = 0
                        5, 10, 20, 25,       // fy = 0.25: 5 + 20 fx
                        15, 25, 45, 55,      // fy = 0.75: 15 + 40 fx
                        20, 32.5, 57.5, 70,  // fy = 1:    20 + 50 fx
                    });
}

TEST_CASE("resize 4x4 -> 3x3 by hand") {
  // scale 4/3, src = (i + 0.5) * 4/3 - 0.5 = 1/6, 3/2, 17/6: neighbours (0,1), (1,2), (2,3) with
  // fracs 1/6, 1/2, 5/6. Input v(y, x) = x^2 + 10 y^2 + x y. Between neighbouring integers the
  // interpolation of x^2 is x0^2 + t (2 x0 + 1): 1/6, 5/2, 49/6; of 10 y^2 ten times that; and
  // bilinear interpolation reproduces x y exactly: sx sy. In 36ths, with sx, sy in {1, 9, 17}/6:
  //   x^2 -> 6, 90, 294    10 y^2 -> 60, 900, 2940    x y -> sx * sy (1*1, 1*9, ... 17*17)
  std::vector<float> values;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) values.push_back(static_cast<float>(x * x + 10 * y * y + x * y));
  }
  Tensor in(Shape::nhwc(1, 4, 4, 1), values);
  Tensor out;
  resize_bilinear(out, in, 3, 3);
  check_values(out, {
                        67 / 36.0, 159 / 36.0, 371 / 36.0,      // 6+60+1,   90+60+9,    294+60+17
                        915 / 36.0, 1071 / 36.0, 1347 / 36.0,   // 6+900+9,  90+900+81,  294+900+153
                        2963 / 36.0, 3183 / 36.0, 3523 / 36.0,  // 6+2940+17, 90+2940+153, 294+2940+289
                    });
}

TEST_CASE("resize keeps same-size input, spreads a single pixel, and does not antialias") {
  Tensor in(Shape::nhwc(1, 2, 3, 1), std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor out;
  resize_bilinear(out, in, 2, 3);
  check_values(out, {1, 2, 3, 4, 5, 6}, 0.0);

  Tensor dot(Shape::nhwc(1, 1, 1, 1), std::vector<float>{7});
  resize_bilinear(out, dot, 2, 3);
  check_values(out, {7, 7, 7, 7, 7, 7}, 0.0);

  // 8 -> 2: src = (i + 0.5) * 4 - 0.5 = 1.5, 5.5; only samples 1, 2 and 5, 6 count, as in TF.
  Tensor row(Shape::nhwc(1, 1, 8, 1), std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7});
  resize_bilinear(out, row, 1, 2);
  check_values(out, {1.5, 5.5}, 0.0);
}

TEST_CASE("resize treats images and channels independently") {
  const Shape shape = Shape::nhwc(2, 3, 5, 3);
  std::vector<float> values(shape.size());
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.7f * static_cast<float>(i)) * 50.0f;
  Tensor in(shape, values);
  Tensor out;
  resize_bilinear(out, in, 4, 7);
  CHECK(out.shape() == Shape::nhwc(2, 4, 7, 3));
  for (int n = 0; n < 2; ++n) {
    for (int c = 0; c < 3; ++c) {
      Tensor plane(Shape::nhwc(1, 3, 5, 1));
      for (int y = 0; y < 3; ++y) {
        for (int x = 0; x < 5; ++x) plane.at(0, y, x, 0) = in.at(n, y, x, c);
      }
      Tensor plane_out;
      resize_bilinear(plane_out, plane, 4, 7);
      for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 7; ++x) CHECK(out.at(n, y, x, c) == plane_out.at(0, y, x, 0));
      }
    }
  }
}

TEST_CASE("resize reuses the output tensor and rejects bad arguments") {
  Tensor in(Shape::nhwc(1, 2, 2, 1), std::vector<float>{0, 10, 20, 70});
  Tensor out(Shape::nhwc(3, 9, 9, 4));
  resize_bilinear(out, in, 1, 1);
  CHECK(out.shape() == Shape::nhwc(1, 1, 1, 1));
  CHECK(out[0] == doctest::Approx(25.0));  // src 0.5 on both axes: the mean of the four

  Tensor flat(Shape{2, 3});
  CHECK_THROWS_WITH_AS(resize_bilinear(out, flat, 2, 2), doctest::Contains("NHWC (rank 4), got [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(resize_bilinear(out, in, 0, 2), doctest::Contains("got height 0 and width 2"), Error);
  CHECK_THROWS_WITH_AS(resize_bilinear(in, in, 2, 2), doctest::Contains("out and in must be different"), Error);
}
