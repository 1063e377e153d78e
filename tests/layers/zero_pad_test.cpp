#include "layers/zero_pad.h"

#include <doctest/doctest.h>

#include <climits>
#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

TEST_CASE("ZeroPad2D forward places the image inside zeros (hand-worked, asymmetric pads)") {
  Tensor x(Shape::nhwc(1, 2, 2, 1), std::vector<float>{1, 2, 3, 4});
  ZeroPad2D pad("pad", Padding{1, 0, 0, 2});  // top 1, bottom 0, left 0, right 2
  Tensor y = run_forward(pad, {&x});
  CHECK(y.shape() == Shape::nhwc(1, 3, 4, 1));
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) ==
        std::vector<float>{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0});
}

TEST_CASE("ZeroPad2D backward matches finite differences") {
  Rng rng(12);
  Tensor x = rng.tensor(Shape::nhwc(2, 3, 5, 3));
  ZeroPad2D pad("pad", Padding{2, 1, 0, 3});
  // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
  check_input_gradient(pad, {&x}, 0);
  Tensor single = rng.tensor(Shape::nhwc(1, 1, 1, 5));
  ZeroPad2D around("around", Padding{1, 1, 1, 1});
  check_input_gradient(around, {&single}, 0);
}

TEST_CASE("ZeroPad2D rejects negative pads and non-image inputs") {
  CHECK_THROWS_WITH_AS(ZeroPad2D("p", Padding{0, -1, 0, 0}), doctest::Contains("ZeroPad2D 'p': pads must be >= 0"),
                       Error);
  ZeroPad2D pad("p", Padding{1, 1, 1, 1});
  const Shape in[] = {Shape{2, 8}};
  CHECK_THROWS_WITH_AS(pad.output_shape(in), doctest::Contains("ZeroPad2D 'p' takes an NHWC rank-4 input, got [2, 8]"),
                       Error);
}

TEST_CASE("ZeroPad2D refuses pads whose padded size would overflow, before adding them") {
  CHECK_THROWS_WITH_AS(ZeroPad2D("p", Padding{1 << 30, 1 << 30, 0, 0}),
                       doctest::Contains("ZeroPad2D 'p': pads must be at most 16384, got top 1073741824"), Error);
  ZeroPad2D pad("p", Padding{16384, 16384, 0, 0});
  const Shape tall[] = {Shape{1, INT_MAX - 10, 1, 1}};
  CHECK_THROWS_WITH_AS(pad.output_shape(tall),
                       doctest::Contains("ZeroPad2D 'p': the padded height would be 2147516405, outside the 1..2147483647"),
                       Error);
  const Shape wide[] = {Shape{1, 1, 100, 1}};
  CHECK(pad.output_shape(wide) == Shape{1, 32769, 100, 1});
}

TEST_CASE("ZeroPad2D pads channels around each pixel's own (hand-worked) and its backward matches finite differences") {
  Tensor x(Shape::nhwc(1, 1, 2, 2), std::vector<float>{1, 2, 3, 4});
  ZeroPad2D pad("pad", Padding{0, 0, 1, 0}, ChannelPadding{1, 2});  // left 1; one channel before, two after
  Tensor y = run_forward(pad, {&x});
  CHECK(y.shape() == Shape::nhwc(1, 1, 3, 5));
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) ==
        std::vector<float>{0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 3, 4, 0, 0});
  Rng rng(13);
  Tensor wide = rng.tensor(Shape::nhwc(2, 3, 2, 3));
  ZeroPad2D both("both", Padding{1, 0, 0, 1}, ChannelPadding{0, 4});
  check_input_gradient(both, {&wide}, 0);
  CHECK_THROWS_WITH_AS(ZeroPad2D("p", Padding{}, ChannelPadding{-1, 0}),
                       doctest::Contains("ZeroPad2D 'p': channel pads must be within 0..16384, got before -1"), Error);
}
