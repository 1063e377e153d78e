#include "layers/resize.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

std::vector<float> values_of(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

std::vector<float> resized(const Tensor& x, ResizeParams p) {
  Resize2D layer("r", p);
  return values_of(run_forward(layer, {&x}));
}

}  // namespace

TEST_CASE("Resize2D bilinear: each coordinate convention by hand on [[1, 2], [3, 4]] -> 4x4") {
  const Tensor x(Shape::nhwc(1, 2, 2, 1), std::vector<float>{1, 2, 3, 4});
  // Neither: sources 0, 0.5, 1, 1.5 (clamped to the last pixel past 1).
  CHECK(resized(x, {4, 4}) == std::vector<float>{1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4});
  // align_corners: sources 0, 1/3, 2/3, 1.
  const std::vector<float> aligned = resized(x, {4, 4, ResizeMethod::bilinear, true, false});
  const std::vector<float> row{0, 1.0f / 3, 2.0f / 3, 1};
  for (int y = 0; y < 4; ++y) {
    for (int c = 0; c < 4; ++c) CHECK(aligned[y * 4 + c] == doctest::Approx(1 + row[c] + 2 * row[y]).epsilon(1e-6));
  }
  // half_pixel_centers: sources -0.25 (the first pixel), 0.25, 0.75, 1.25 (the last).
  CHECK(resized(x, {4, 4, ResizeMethod::bilinear, false, true}) ==
        std::vector<float>{1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4});
}

TEST_CASE("Resize2D nearest: the conventions pick different pixels when shrinking 1x5 to 1x2") {
  const Tensor x(Shape::nhwc(1, 1, 5, 1), std::vector<float>{10, 11, 12, 13, 14});
  CHECK(resized(x, {1, 2, ResizeMethod::nearest}) == std::vector<float>{10, 12});                // floor(0, 2.5)
  CHECK(resized(x, {1, 2, ResizeMethod::nearest, true, false}) == std::vector<float>{10, 14});   // round(0, 4)
  CHECK(resized(x, {1, 2, ResizeMethod::nearest, false, true}) == std::vector<float>{11, 13});   // floor(1.25, 3.75)
  // Growing: every output copies one input.
  const Tensor square(Shape::nhwc(1, 2, 2, 2), std::vector<float>{1, -1, 2, -2, 3, -3, 4, -4});
  CHECK(resized(square, {3, 3, ResizeMethod::nearest}) ==
        std::vector<float>{1, -1, 1, -1, 2, -2, 1, -1, 1, -1, 2, -2, 3, -3, 3, -3, 4, -4});
}

TEST_CASE("Resize2D backward matches finite differences for every method and convention, and accumulates") {
  Rng rng(61);
  for (ResizeMethod method : {ResizeMethod::bilinear, ResizeMethod::nearest}) {
    for (const std::pair<bool, bool>& conventions : {std::pair{false, false}, std::pair{true, false}, std::pair{false, true}}) {
      for (const std::pair<int, int>& size : {std::pair{7, 3}, std::pair{2, 5}}) {  // one axis grows, the other shrinks
        const bool align = conventions.first, half = conventions.second;
        const int h = size.first, w = size.second;
        CAPTURE(h);
        CAPTURE(align);
        CAPTURE(half);
        Tensor x = rng.tensor(Shape::nhwc(2, 4, 4, 3));
        Resize2D layer("r", {h, w, method, align, half});
        // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
        check_input_gradient(layer, {&x}, 0);
      }
    }
  }
  // [a b] -> 1x3 bilinear, half-pixel: sources -1/6, 1/2, 7/6: a gets 1 + 0.5 of the gradient, b 0.5 + 1.
  Tensor x(Shape::nhwc(1, 1, 2, 1), std::vector<float>{1, 2});
  Resize2D layer("r", {1, 3, ResizeMethod::bilinear, false, true});
  Tensor y = run_forward(layer, {&x});
  Tensor g(y.shape(), std::vector<float>{1, 10, 100});
  Tensor d(x.shape(), std::vector<float>{1000, 1000});
  Tensor* d_in[] = {&d};
  const Tensor* in[] = {&x};
  layer.backward(d_in, g, in, y, {});
  CHECK(d[0] == doctest::Approx(1000 + 1 + 5));
  CHECK(d[1] == doctest::Approx(1000 + 5 + 100));
}

TEST_CASE("Resize2D rejects empty sizes, both conventions at once and non-image inputs") {
  CHECK_THROWS_WITH_AS(Resize2D("r", {0, 4}), doctest::Contains("Resize2D 'r': the output size must be within 1..16384, got 0x4"),
                       Error);
  CHECK_THROWS_WITH_AS(Resize2D("r", {4, 4, ResizeMethod::bilinear, true, true}),
                       doctest::Contains("Resize2D 'r': align_corners and half_pixel_centers exclude each other"), Error);
  Resize2D layer("r", {4, 4});
  const Shape flat[] = {Shape{2, 8}};
  CHECK_THROWS_WITH_AS(layer.output_shape(flat), doctest::Contains("Resize2D 'r' takes an NHWC rank-4 input, got [2, 8]"),
                       Error);
}
