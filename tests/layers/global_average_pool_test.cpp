#include "layers/global_average_pool.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"
#include "support/reference_check.h"

using namespace camlens;
using namespace camlens::test;

TEST_CASE("GlobalAveragePool forward and backward on a hand-worked case") {
  // 2x2 pixels, 2 channels: channel 0 holds 1, 2, 3, 6; channel 1 holds 10, 20, 30, 40.
  Tensor x(Shape::nhwc(1, 2, 2, 2), std::vector<float>{1, 10, 2, 20, 3, 30, 6, 40});
  GlobalAveragePool gap("gap");
  Tensor y = run_forward(gap, {&x});
  CHECK(y.shape() == Shape{1, 2});
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) == std::vector<float>{3, 25});

  Tensor d_y(y.shape(), std::vector<float>{4, -8});
  Tensor d_x(x.shape());
  Tensor* d_in[] = {&d_x};
  const Tensor* in[] = {&x};
  gap.backward(d_in, d_y, in, y, {});
  CHECK(std::vector<float>(d_x.values().begin(), d_x.values().end()) ==
        std::vector<float>{1, -2, 1, -2, 1, -2, 1, -2});
}

TEST_CASE("GlobalAveragePool backward matches finite differences") {
  Rng rng(61);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 3), Shape::nhwc(1, 1, 1, 1), Shape::nhwc(1, 4, 4, 17)}) {
    CAPTURE(shape.str());
    Tensor x = rng.tensor(shape);
    GlobalAveragePool gap("gap");
    // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
    check_input_gradient(gap, {&x}, 0);
  }
}

TEST_CASE("GlobalAveragePool optimised path matches the forced reference") {
  Rng rng(62);
  Tensor x = rng.tensor(Shape::nhwc(2, 8, 8, 7));
  GlobalAveragePool gap("gap");
  // Means of 64 values in [-1, 1]: summation order moves them by a few ulps.
  check_optimised_matches_reference(gap, {&x}, 1e-5f);
}

TEST_CASE("GlobalAveragePool rejects a flat input") {
  GlobalAveragePool gap("gap");
  const Shape flat[] = {Shape{2, 10}};
  CHECK_THROWS_WITH_AS(gap.output_shape(flat),
                       doctest::Contains("GlobalAveragePool 'gap' takes an NHWC rank-4 input, got [2, 10]"), Error);
}
